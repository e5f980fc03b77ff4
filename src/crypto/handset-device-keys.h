/* handset-device-keys.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HANDSET_CRYPTO_ERROR (handset_crypto_error_quark ())
GQuark handset_crypto_error_quark (void);

typedef enum
{
  HANDSET_CRYPTO_ERROR_INVALID,           /* malformed, or fails a check */
  HANDSET_CRYPTO_ERROR_BAD_SIGNATURE,     /* a signature that does not verify */
  HANDSET_CRYPTO_ERROR_UNKNOWN_ALGORITHM, /* not Olm v1 or Megolm v1 */
  HANDSET_CRYPTO_ERROR_NOT_FOR_US,        /* encrypted for another device */
  HANDSET_CRYPTO_ERROR_MISSING_KEY,       /* the room key has not come (yet) */
  HANDSET_CRYPTO_ERROR_REPLAY,            /* a message index seen with another event */
  HANDSET_CRYPTO_ERROR_NO_SESSION,        /* no Olm session decrypts it */
  HANDSET_CRYPTO_ERROR_SPOOFED,           /* claims a sender it does not have */
  HANDSET_CRYPTO_ERROR_WITHHELD,          /* the sender's device withheld the room key */
} HandsetCryptoError;

#define HANDSET_OLM_ALGORITHM    "m.olm.v1.curve25519-aes-sha2"
#define HANDSET_MEGOLM_ALGORITHM "m.megolm.v1.aes-sha2"

/**
 * HandsetDeviceKeys:
 *
 * One device's published keys, whose self-signature was checked.
 */
typedef struct
{
  char *user_id;
  char *device_id;
  char *curve25519;
  char *ed25519;
  char *display_name; /* nullable */
  JsonObject *json;   /* the signed object, as published */
} HandsetDeviceKeys;

HandsetDeviceKeys *handset_device_keys_parse (JsonObject *object,
                                              const char *user_id,
                                              const char *device_id,
                                              GError **error);
void handset_device_keys_free (HandsetDeviceKeys *self);
char *handset_device_keys_to_json (HandsetDeviceKeys *self);
HandsetDeviceKeys *handset_device_keys_from_json (const char *json, GError **error);

gboolean handset_json_verify_signature (JsonObject *object,
                                        const char *user_id,
                                        const char *key_id,
                                        const char *ed25519,
                                        GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HandsetDeviceKeys, handset_device_keys_free)

G_END_DECLS
