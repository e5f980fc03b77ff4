/* handset-cross-signing.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "handset-device-keys.h"

G_BEGIN_DECLS

/**
 * HandsetCrossSigningKey:
 *
 * One of a user's cross-signing public keys (master, self-signing or
 * user-signing), checked: its user, its usage, one ed25519 key, and where
 * it must have one, a valid signature by the user's master key.
 */
typedef struct
{
  char *user_id;
  char *usage;
  char *ed25519;
  JsonObject *json;
} HandsetCrossSigningKey;

HandsetCrossSigningKey *handset_cross_signing_key_parse (JsonObject *object,
                                                         const char *user_id,
                                                         const char *usage,
                                                         const char *master_ed25519,
                                                         GError **error);
void handset_cross_signing_key_free (HandsetCrossSigningKey *self);

gboolean handset_json_signed_by_key (JsonObject *object, const char *user_id, const char *ed25519);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HandsetCrossSigningKey, handset_cross_signing_key_free)

G_END_DECLS
