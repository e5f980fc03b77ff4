/* handset-olm.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Olm and Megolm, in Handset's own types. handset-olm.c (with
 * handset-olm-account.c, handset-olm-session.c and handset-megolm.c, which
 * share handset-olm-private.h) are the only files that include libolm's
 * headers: a move to another implementation of the same protocols
 * (vodozemac) changes those files alone.
 *
 * Keys and messages are unpadded base64 strings, as on the wire. Pickles
 * are encrypted with a 32-byte key (HANDSET_OLM_PICKLE_KEY_SIZE).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HANDSET_OLM_PICKLE_KEY_SIZE 32

#define HANDSET_OLM_ERROR (handset_olm_error_quark ())
GQuark handset_olm_error_quark (void);

typedef enum
{
  HANDSET_OLM_ERROR_BAD_PICKLE_KEY, /* a pickle that this key did not encrypt */
  HANDSET_OLM_ERROR_BAD_MESSAGE,    /* not a message of this session, or damaged */
  HANDSET_OLM_ERROR_UNKNOWN_INDEX,  /* a Megolm message older than the key we hold */
  HANDSET_OLM_ERROR_INVALID,        /* a malformed key, pickle or signature */
  HANDSET_OLM_ERROR_BAD_SIGNATURE,  /* a well-formed signature that does not verify */
  HANDSET_OLM_ERROR_FAILED,         /* anything else the library reports */
} HandsetOlmError;

/* The two kinds of Olm message (m.olm.v1 "type"). */
#define HANDSET_OLM_MESSAGE_PRE_KEY 0
#define HANDSET_OLM_MESSAGE_NORMAL  1

typedef struct _HandsetOlmAccount HandsetOlmAccount;
typedef struct _HandsetOlmSession HandsetOlmSession;
typedef struct _HandsetMegolmOutbound HandsetMegolmOutbound;
typedef struct _HandsetMegolmInbound HandsetMegolmInbound;

/* ------------------------------------------------------------ utility */

gboolean handset_olm_ed25519_verify (const char *public_key,
                                     const char *message,
                                     gsize message_len,
                                     const char *signature,
                                     GError **error);
void handset_olm_random_bytes (guint8 *buffer, gsize length);
void handset_wipe (gpointer data, gsize length);
void handset_wipe_string (char *text);
char *handset_olm_sign_with_seed (const guint8 *seed,
                                  gsize seed_length,
                                  const char *message,
                                  gsize message_length,
                                  char **public_key,
                                  GError **error);

/* ------------------------------------------------------------ account */

HandsetOlmAccount *handset_olm_account_new (void);
HandsetOlmAccount *
handset_olm_account_unpickle (const char *pickle, const guint8 *key, GError **error);
char *handset_olm_account_pickle (HandsetOlmAccount *self, const guint8 *key);
void handset_olm_account_free (HandsetOlmAccount *self);

const char *handset_olm_account_get_curve25519 (HandsetOlmAccount *self);
const char *handset_olm_account_get_ed25519 (HandsetOlmAccount *self);
char *handset_olm_account_sign (HandsetOlmAccount *self, const char *message, gsize message_len);

gsize handset_olm_account_get_max_one_time_keys (HandsetOlmAccount *self);
void handset_olm_account_generate_one_time_keys (HandsetOlmAccount *self, gsize count);
/* key ID → curve25519 key, for the keys not yet marked published */
GHashTable *handset_olm_account_get_one_time_keys (HandsetOlmAccount *self);
void handset_olm_account_generate_fallback_key (HandsetOlmAccount *self);
/* key ID → curve25519 key: the fallback key not yet marked published, or empty */
GHashTable *handset_olm_account_get_unpublished_fallback_key (HandsetOlmAccount *self);
/* Marks the one-time keys and the fallback key as published. */
void handset_olm_account_mark_keys_as_published (HandsetOlmAccount *self);
/* Drops the one-time key an inbound session used; FALSE when it used none
 * of ours that remain (a fallback key, or a key dropped before). */
gboolean handset_olm_account_remove_one_time_keys (HandsetOlmAccount *self,
                                                   HandsetOlmSession *session);

/* ------------------------------------------------------------ Olm sessions */

HandsetOlmSession *handset_olm_session_new_outbound (HandsetOlmAccount *account,
                                                     const char *their_curve25519,
                                                     const char *their_one_time_key,
                                                     GError **error);
/* From a pre-key message; the body is not changed. */
HandsetOlmSession *handset_olm_session_new_inbound (HandsetOlmAccount *account,
                                                    const char *their_curve25519,
                                                    const char *pre_key_body,
                                                    GError **error);
gboolean handset_olm_session_matches_inbound (HandsetOlmSession *self,
                                              const char *their_curve25519,
                                              const char *pre_key_body);
HandsetOlmSession *
handset_olm_session_unpickle (const char *pickle, const guint8 *key, GError **error);
char *handset_olm_session_pickle (HandsetOlmSession *self, const guint8 *key);
void handset_olm_session_free (HandsetOlmSession *self);

const char *handset_olm_session_get_id (HandsetOlmSession *self);
/* Whether a message from the other side has been decrypted with it. */
gboolean handset_olm_session_has_received (HandsetOlmSession *self);
char *
handset_olm_session_encrypt (HandsetOlmSession *self, const char *plaintext, int *message_type);
char *handset_olm_session_decrypt (HandsetOlmSession *self,
                                   int message_type,
                                   const char *body,
                                   GError **error);

/* ------------------------------------------------------------ Megolm */

HandsetMegolmOutbound *handset_megolm_outbound_new (void);
HandsetMegolmOutbound *
handset_megolm_outbound_unpickle (const char *pickle, const guint8 *key, GError **error);
char *handset_megolm_outbound_pickle (HandsetMegolmOutbound *self, const guint8 *key);
void handset_megolm_outbound_free (HandsetMegolmOutbound *self);

const char *handset_megolm_outbound_get_id (HandsetMegolmOutbound *self);
/* The key at the current index, for m.room_key. */
char *handset_megolm_outbound_get_session_key (HandsetMegolmOutbound *self);
guint32 handset_megolm_outbound_get_message_index (HandsetMegolmOutbound *self);
char *handset_megolm_outbound_encrypt (HandsetMegolmOutbound *self, const char *plaintext);

/* From m.room_key's session_key (signed by the sender). */
HandsetMegolmInbound *handset_megolm_inbound_new (const char *session_key, GError **error);
/* From an exported key (m.forwarded_room_key). */
HandsetMegolmInbound *handset_megolm_inbound_import (const char *exported_key, GError **error);
HandsetMegolmInbound *
handset_megolm_inbound_unpickle (const char *pickle, const guint8 *key, GError **error);
char *handset_megolm_inbound_pickle (HandsetMegolmInbound *self, const guint8 *key);
void handset_megolm_inbound_free (HandsetMegolmInbound *self);

const char *handset_megolm_inbound_get_id (HandsetMegolmInbound *self);
guint32 handset_megolm_inbound_get_first_known_index (HandsetMegolmInbound *self);
char *handset_megolm_inbound_decrypt (HandsetMegolmInbound *self,
                                      const char *ciphertext,
                                      guint32 *message_index,
                                      GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HandsetOlmAccount, handset_olm_account_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HandsetOlmSession, handset_olm_session_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HandsetMegolmOutbound, handset_megolm_outbound_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HandsetMegolmInbound, handset_megolm_inbound_free)

G_END_DECLS
