/* handset-olm-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the files on libolm share: its objects behind Handset's types, and
 * what is done alike to every kind of them (handset-olm.c). Only the files
 * that wrap libolm include this header, the one place libolm's own
 * headers are included.
 */
#pragma once

#include <olm/olm.h>
#include <olm/pk.h>

#include "handset-olm.h"

G_BEGIN_DECLS

/* Unpadded base64 of a 32-byte curve25519 or ed25519 key. */
#define KEY_BASE64_LENGTH 43

struct _HandsetOlmAccount
{
  OlmAccount *olm;
  char *curve25519;
  char *ed25519;
};

struct _HandsetOlmSession
{
  OlmSession *olm;
  char *id;
};

struct _HandsetMegolmOutbound
{
  OlmOutboundGroupSession *olm;
  char *id;
};

struct _HandsetMegolmInbound
{
  OlmInboundGroupSession *olm;
  char *id;
};

/* What the rejected input was: libolm's INVALID_BASE64 means a damaged
 * message for a message, and a malformed key or pickle otherwise. */
typedef enum
{
  INPUT_KEY,
  INPUT_PICKLE,
  INPUT_MESSAGE,
} InputKind;

/* libolm has the same calls for each of its objects, under names of their
 * own (olm_pickle_account(), olm_pickle_session(), ...). An OlmKind holds
 * them for one kind of object, taking it untyped, so that what is done
 * alike to every kind (making, clearing, pickling, restoring, reading the
 * ID, reporting an error) is written once. */
typedef struct
{
  /* What the object is, in messages: "Olm account", "Megolm session". */
  const char *name;
  size_t (*size) (void);
  void *(*init) (void *memory);
  size_t (*clear) (void *olm);
  size_t (*pickle_length) (void *olm);
  size_t (*pickle) (void *olm, const void *key, size_t key_length, void *pickled, size_t length);
  size_t (*unpickle) (void *olm, const void *key, size_t key_length, void *pickled, size_t length);
  const char *(*last_error) (void *olm);
  enum OlmErrorCode (*last_error_code) (void *olm);
  /* NULL for an account, which has no ID. */
  size_t (*id_length) (void *olm);
  size_t (*id) (void *olm, void *id, size_t length);
  /* NULL for the sessions, which are made of another device's keys. */
  size_t (*create_random_length) (void *olm);
  size_t (*create) (void *olm, void *random, size_t length);
} OlmKind;

extern const OlmKind handset_olm_account_kind;
extern const OlmKind handset_olm_session_kind;
extern const OlmKind handset_olm_megolm_outbound_kind;
extern const OlmKind handset_olm_megolm_inbound_kind;

void handset_olm_wipe_free (gpointer buffer, gsize length);
char *handset_olm_dup_input (const char *input, gsize length);
guint8 *handset_olm_random_buffer (gsize length);
gboolean handset_olm_is_base64 (const char *string, gsize length);
gboolean handset_olm_is_key (const char *key);
gboolean handset_olm_check_message (const char *message, gsize *length, GError **error);
char *handset_olm_plaintext_to_string (char *plaintext,
                                       gsize size,
                                       size_t written,
                                       const char *not_text,
                                       GError **error);
GHashTable *handset_olm_parse_keys_json (const char *json, gsize length);
void *handset_olm_object_new (const OlmKind *kind);
void handset_olm_object_free (const OlmKind *kind, void *olm);
void handset_olm_set_object_error (GError **error,
                                   const OlmKind *kind,
                                   void *olm,
                                   InputKind input,
                                   const char *what);
char *handset_olm_object_read_id (const OlmKind *kind, void *olm, GError **error);
void *handset_olm_object_create (const OlmKind *kind, char **id);
void *handset_olm_object_unpickle (const OlmKind *kind,
                                   const char *pickle,
                                   const guint8 *key,
                                   char **id,
                                   GError **error);
char *handset_olm_object_pickle (const OlmKind *kind, void *olm, const guint8 *key);

G_END_DECLS
