/* handset-signing-keys.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  HANDSET_SIGNING_KEY_MASTER,
  HANDSET_SIGNING_KEY_SELF_SIGNING,
  HANDSET_SIGNING_KEY_USER_SIGNING,
  HANDSET_SIGNING_KEY_N,
} HandsetSigningKeyUsage;

#define HANDSET_SIGNING_SEED_SIZE 32

/**
 * HandsetSigningKeys:
 *
 * A user's private cross-signing keys, in memory only, for as long as it
 * takes to sign: made anew, or read from Secret Storage and checked
 * against the published public keys. Freeing wipes them.
 */
typedef struct _HandsetSigningKeys HandsetSigningKeys;

HandsetSigningKeys *handset_signing_keys_new (const char *user_id);
HandsetSigningKeys *handset_signing_keys_generate (const char *user_id);
HandsetSigningKeys *handset_signing_keys_copy (HandsetSigningKeys *self);
void handset_signing_keys_free (HandsetSigningKeys *self);

const char *handset_signing_key_usage_name (HandsetSigningKeyUsage usage);
const char *handset_signing_key_secret_name (HandsetSigningKeyUsage usage);

gboolean handset_signing_keys_set_secret (HandsetSigningKeys *self,
                                          HandsetSigningKeyUsage usage,
                                          const char *secret,
                                          const char *expected_public,
                                          GError **error);
char *handset_signing_keys_get_secret (HandsetSigningKeys *self, HandsetSigningKeyUsage usage);
gboolean handset_signing_keys_has (HandsetSigningKeys *self, HandsetSigningKeyUsage usage);
const char *handset_signing_keys_get_public (HandsetSigningKeys *self,
                                             HandsetSigningKeyUsage usage);

gboolean handset_signing_keys_sign (HandsetSigningKeys *self,
                                    HandsetSigningKeyUsage usage,
                                    JsonObject *object,
                                    GError **error);
JsonObject *handset_signing_keys_build_public (HandsetSigningKeys *self,
                                               HandsetSigningKeyUsage usage,
                                               GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HandsetSigningKeys, handset_signing_keys_free)

G_END_DECLS
