/* handset-secret-storage.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HANDSET_SECRET_STORAGE_KEY_SIZE 32

guint8 *handset_base64_decode_any (const char *text, gsize *length);
char *handset_base64_encode_unpadded (const guint8 *data, gsize length);

guint8 *handset_recovery_key_decode (const char *text, GError **error);
char *handset_recovery_key_encode (const guint8 *key);
guint8 *handset_secret_storage_key_from_passphrase (const char *passphrase,
                                                    const char *salt,
                                                    guint iterations,
                                                    GError **error);

gboolean handset_secret_storage_check_key (const guint8 *key,
                                           const char *iv,
                                           const char *mac,
                                           GError **error);
void handset_secret_storage_make_check (const guint8 *key, char **iv, char **mac);
char *handset_secret_storage_decrypt (const guint8 *key,
                                      const char *name,
                                      const char *iv,
                                      const char *ciphertext,
                                      const char *mac,
                                      GError **error);
void handset_secret_storage_encrypt (const guint8 *key,
                                     const char *name,
                                     const char *secret,
                                     char **iv,
                                     char **ciphertext,
                                     char **mac);

G_END_DECLS
