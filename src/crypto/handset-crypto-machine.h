/* handset-crypto-machine.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "handset-crypto-store.h"
#include "handset-device-keys.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_CRYPTO_MACHINE (handset_crypto_machine_get_type ())
G_DECLARE_FINAL_TYPE (HandsetCryptoMachine,
                      handset_crypto_machine,
                      HANDSET,
                      CRYPTO_MACHINE,
                      GObject)

/* The defaults of m.room.encryption. */
#define HANDSET_MEGOLM_ROTATION_PERIOD_MS   (7 * 24 * 3600 * G_GINT64_CONSTANT (1000))
#define HANDSET_MEGOLM_ROTATION_PERIOD_MSGS 100
/* Unwedging: a new Olm session with a device at most this often. */
#define HANDSET_OLM_UNWEDGE_INTERVAL_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

/**
 * HandsetDecryptedEvent:
 *
 * What decryption says of a room event: who sent it from which device,
 * with which key.
 */
typedef struct
{
  char *sender_curve25519;
  char *sender_ed25519;      /* the key the sender's room key claimed */
  char *sender_device;       /* nullable: the device, when its keys are known */
  gboolean device_known;     /* a device of the sender owns these keys */
  gboolean cross_signed;     /* its owner's self-signing key signed that device */
  gboolean user_verified;    /* our user-signing key signed its owner's master key */
  gboolean identity_changed; /* the sender's master key is not the one first seen */
  char *session_id;
  guint32 message_index;
} HandsetDecryptionInfo;

void handset_decryption_info_free (HandsetDecryptionInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HandsetDecryptionInfo, handset_decryption_info_free)

typedef struct
{
  gint64 rotation_period_ms;
  guint rotation_period_msgs;
} HandsetRoomEncryptionSettings;

HandsetCryptoMachine *handset_crypto_machine_new (const char *user_id,
                                                  const char *device_id,
                                                  HandsetCryptoStore *store,
                                                  const guint8 *pickle_key,
                                                  GError **error);

const char *handset_crypto_machine_get_user_id (HandsetCryptoMachine *self);
const char *handset_crypto_machine_get_device_id (HandsetCryptoMachine *self);
const char *handset_crypto_machine_get_curve25519 (HandsetCryptoMachine *self);
const char *handset_crypto_machine_get_ed25519 (HandsetCryptoMachine *self);
gboolean handset_crypto_machine_is_new (HandsetCryptoMachine *self);
void handset_crypto_machine_set_clock (HandsetCryptoMachine *self, gint64 (*now_us) (void));

/* ---- own keys: /keys/upload */
JsonObject *handset_crypto_machine_build_keys_upload (HandsetCryptoMachine *self);
JsonObject *handset_crypto_machine_build_device_keys (HandsetCryptoMachine *self);
void handset_crypto_machine_keys_uploaded (HandsetCryptoMachine *self, JsonObject *response);
void handset_crypto_machine_receive_key_counts (HandsetCryptoMachine *self,
                                                JsonObject *one_time_key_counts,
                                                JsonArray *unused_fallback_key_types);

/* ---- other devices: /keys/query */
void handset_crypto_machine_track_users (HandsetCryptoMachine *self, const char *const *user_ids);
void handset_crypto_machine_mark_user_outdated (HandsetCryptoMachine *self, const char *user_id);
void handset_crypto_machine_receive_device_list_changes (HandsetCryptoMachine *self,
                                                         JsonArray *changed,
                                                         JsonArray *left);
GStrv handset_crypto_machine_get_outdated_users (HandsetCryptoMachine *self);
void handset_crypto_machine_keys_query_started (HandsetCryptoMachine *self,
                                                const char *const *user_ids);
gboolean handset_crypto_machine_is_user_outdated (HandsetCryptoMachine *self, const char *user_id);
void handset_crypto_machine_receive_keys_query (HandsetCryptoMachine *self,
                                                const char *const *asked,
                                                JsonObject *response);
GPtrArray *handset_crypto_machine_get_devices (HandsetCryptoMachine *self, const char *user_id);
gboolean handset_crypto_machine_device_is_cross_signed (HandsetCryptoMachine *self,
                                                        HandsetDeviceKeys *device);
gboolean handset_crypto_machine_get_identity_changed (HandsetCryptoMachine *self,
                                                      const char *user_id);
void handset_crypto_machine_accept_identity (HandsetCryptoMachine *self, const char *user_id);
gboolean handset_crypto_machine_get_cross_signing_keys (HandsetCryptoMachine *self,
                                                        const char *user_id,
                                                        const char **master,
                                                        const char **self_signing,
                                                        const char **user_signing);
gboolean handset_crypto_machine_get_user_verified (HandsetCryptoMachine *self, const char *user_id);
gboolean handset_crypto_machine_get_own_device_cross_signed (HandsetCryptoMachine *self);
void handset_crypto_machine_set_only_cross_signed (HandsetCryptoMachine *self, gboolean only);
gboolean handset_crypto_machine_get_only_cross_signed (HandsetCryptoMachine *self);
gboolean handset_crypto_machine_device_is_trusted (HandsetCryptoMachine *self,
                                                   HandsetDeviceKeys *device);
HandsetDeviceKeys *handset_crypto_machine_get_device (HandsetCryptoMachine *self,
                                                      const char *user_id,
                                                      const char *device_id);

/* ---- Olm sessions: /keys/claim */
JsonObject *handset_crypto_machine_build_keys_claim (HandsetCryptoMachine *self,
                                                     const char *const *user_ids);
JsonObject *handset_crypto_machine_build_unwedge_claim (HandsetCryptoMachine *self);
void handset_crypto_machine_receive_keys_claim (HandsetCryptoMachine *self,
                                                JsonObject *request,
                                                JsonObject *response);

/* ---- to-device */
JsonObject *handset_crypto_machine_decrypt_to_device (HandsetCryptoMachine *self,
                                                      JsonObject *event,
                                                      GError **error);
JsonObject *handset_crypto_machine_take_unwedge_messages (HandsetCryptoMachine *self);
JsonObject *handset_crypto_machine_encrypt_to_device (HandsetCryptoMachine *self,
                                                      HandsetDeviceKeys *device,
                                                      const char *type,
                                                      JsonObject *content,
                                                      GError **error);

/* ---- Megolm: room events */
JsonObject *handset_crypto_machine_share_room_key (HandsetCryptoMachine *self,
                                                   const char *room_id,
                                                   const char *const *user_ids,
                                                   const HandsetRoomEncryptionSettings *settings);
void handset_crypto_machine_discard_room_key (HandsetCryptoMachine *self, const char *room_id);
gboolean handset_crypto_machine_receive_withheld (HandsetCryptoMachine *self, JsonObject *event);
gboolean handset_crypto_machine_get_refused_by (HandsetCryptoMachine *self, const char *user_id);
const char *handset_crypto_machine_get_withheld_code (HandsetCryptoMachine *self,
                                                      const char *room_id,
                                                      const char *session_id);
JsonObject *handset_crypto_machine_encrypt_room_event (HandsetCryptoMachine *self,
                                                       const char *room_id,
                                                       const char *type,
                                                       JsonObject *content,
                                                       GError **error);
JsonObject *handset_crypto_machine_decrypt_room_event (HandsetCryptoMachine *self,
                                                       const char *room_id,
                                                       JsonObject *event,
                                                       HandsetDecryptionInfo **info,
                                                       GError **error);
const char *handset_crypto_machine_get_room_key_id (HandsetCryptoMachine *self,
                                                    const char *room_id);
gboolean handset_crypto_machine_has_room_key (HandsetCryptoMachine *self,
                                              const char *room_id,
                                              const char *session_id);

gboolean handset_crypto_machine_forget (HandsetCryptoMachine *self, GError **error);

G_END_DECLS
