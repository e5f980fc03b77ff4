/* handset-megolm.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Megolm sessions on libolm: ours, that encrypt a room's events, and the
 * room keys others share, that decrypt them; the first index a key knows.
 */

#define G_LOG_DOMAIN "Handset-Crypto"

#include "config.h"

#include <string.h>

#include "handset-olm-private.h"

/* ------------------------------------------------------------ Megolm outbound */

void
handset_megolm_outbound_free (HandsetMegolmOutbound *self)
{
  if (self == NULL)
    return;

  handset_olm_object_free (&handset_olm_megolm_outbound_kind, self->olm);
  g_free (self->id);
  g_free (self);
}

HandsetMegolmOutbound *
handset_megolm_outbound_new (void)
{
  g_autoptr (HandsetMegolmOutbound) self = g_new0 (HandsetMegolmOutbound, 1);

  self->olm = handset_olm_object_create (&handset_olm_megolm_outbound_kind, &self->id);
  return self->olm != NULL ? g_steal_pointer (&self) : NULL;
}

HandsetMegolmOutbound *
handset_megolm_outbound_unpickle (const char *pickle, const guint8 *key, GError **error)
{
  g_autoptr (HandsetMegolmOutbound) self = NULL;

  g_return_val_if_fail (pickle != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  self = g_new0 (HandsetMegolmOutbound, 1);
  self->olm = handset_olm_object_unpickle (&handset_olm_megolm_outbound_kind, pickle, key,
                                           &self->id, error);
  return self->olm != NULL ? g_steal_pointer (&self) : NULL;
}

char *
handset_megolm_outbound_pickle (HandsetMegolmOutbound *self, const guint8 *key)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return handset_olm_object_pickle (&handset_olm_megolm_outbound_kind, self->olm, key);
}

const char *
handset_megolm_outbound_get_id (HandsetMegolmOutbound *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->id;
}

char *
handset_megolm_outbound_get_session_key (HandsetMegolmOutbound *self)
{
  gsize length;
  char *session_key;
  size_t written;

  g_return_val_if_fail (self != NULL, NULL);

  length = olm_outbound_group_session_key_length (self->olm);
  session_key = g_malloc (length + 1);
  written = olm_outbound_group_session_key (self->olm, (uint8_t *) session_key, length);
  if (written == olm_error ())
    {
      g_critical ("The Megolm session key could not be read: %s",
                  olm_outbound_group_session_last_error (self->olm));
      handset_olm_wipe_free (session_key, length + 1);
      return NULL;
    }

  session_key[written] = '\0';
  return session_key;
}

guint32
handset_megolm_outbound_get_message_index (HandsetMegolmOutbound *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return olm_outbound_group_session_message_index (self->olm);
}

char *
handset_megolm_outbound_encrypt (HandsetMegolmOutbound *self, const char *plaintext)
{
  gsize plaintext_length;
  gsize length;
  char *message;
  size_t written;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (plaintext != NULL, NULL);

  plaintext_length = strlen (plaintext);
  length = olm_group_encrypt_message_length (self->olm, plaintext_length);
  message = g_malloc (length + 1);
  written = olm_group_encrypt (self->olm, (const uint8_t *) plaintext, plaintext_length,
                               (uint8_t *) message, length);
  if (written == olm_error ())
    {
      g_critical ("The Megolm session could not encrypt: %s",
                  olm_outbound_group_session_last_error (self->olm));
      g_free (message);
      return NULL;
    }

  message[written] = '\0';
  return message;
}

/* ------------------------------------------------------------ Megolm inbound */

void
handset_megolm_inbound_free (HandsetMegolmInbound *self)
{
  if (self == NULL)
    return;

  handset_olm_object_free (&handset_olm_megolm_inbound_kind, self->olm);
  g_free (self->id);
  g_free (self);
}

typedef size_t (*MegolmInboundInitFunc) (OlmInboundGroupSession *session,
                                         const uint8_t *key,
                                         size_t key_length);

static HandsetMegolmInbound *
megolm_inbound_new_from_key (MegolmInboundInitFunc init,
                             const char *key,
                             const char *what,
                             GError **error)
{
  g_autoptr (HandsetMegolmInbound) self = NULL;
  gsize length = strlen (key);
  char *copy;
  size_t result;

  if (length == 0 || !handset_olm_is_base64 (key, length))
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID,
                           "Not a Megolm session key");
      return NULL;
    }

  self = g_new0 (HandsetMegolmInbound, 1);
  self->olm = handset_olm_object_new (&handset_olm_megolm_inbound_kind);
  /* The key is a secret, and libolm may decode it in place. */
  copy = handset_olm_dup_input (key, length);
  result = init (self->olm, (const uint8_t *) copy, length);
  handset_olm_wipe_free (copy, length);

  if (result == olm_error ())
    {
      handset_olm_set_object_error (error, &handset_olm_megolm_inbound_kind, self->olm, INPUT_KEY,
                                    what);
      return NULL;
    }

  self->id = handset_olm_object_read_id (&handset_olm_megolm_inbound_kind, self->olm, error);
  if (self->id == NULL)
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * handset_megolm_inbound_new:
 *
 * Returns: the session of @session_key, or %NULL with
 * %HANDSET_OLM_ERROR_INVALID for a malformed key and
 * %HANDSET_OLM_ERROR_BAD_SIGNATURE for one its signature does not cover.
 */
HandsetMegolmInbound *
handset_megolm_inbound_new (const char *session_key, GError **error)
{
  g_return_val_if_fail (session_key != NULL, NULL);

  return megolm_inbound_new_from_key (olm_init_inbound_group_session, session_key,
                                      "No Megolm session could be made of the key", error);
}

HandsetMegolmInbound *
handset_megolm_inbound_import (const char *exported_key, GError **error)
{
  g_return_val_if_fail (exported_key != NULL, NULL);

  return megolm_inbound_new_from_key (olm_import_inbound_group_session, exported_key,
                                      "No Megolm session could be imported", error);
}

HandsetMegolmInbound *
handset_megolm_inbound_unpickle (const char *pickle, const guint8 *key, GError **error)
{
  g_autoptr (HandsetMegolmInbound) self = NULL;

  g_return_val_if_fail (pickle != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  self = g_new0 (HandsetMegolmInbound, 1);
  self->olm =
      handset_olm_object_unpickle (&handset_olm_megolm_inbound_kind, pickle, key, &self->id, error);
  return self->olm != NULL ? g_steal_pointer (&self) : NULL;
}

char *
handset_megolm_inbound_pickle (HandsetMegolmInbound *self, const guint8 *key)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return handset_olm_object_pickle (&handset_olm_megolm_inbound_kind, self->olm, key);
}

const char *
handset_megolm_inbound_get_id (HandsetMegolmInbound *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->id;
}

guint32
handset_megolm_inbound_get_first_known_index (HandsetMegolmInbound *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return olm_inbound_group_session_first_known_index (self->olm);
}

/**
 * handset_megolm_inbound_decrypt:
 * @message_index: (out) (optional): the index the message was sent at
 *
 * Returns: the plaintext, or %NULL with %HANDSET_OLM_ERROR_UNKNOWN_INDEX
 * for a message older than the key held, %HANDSET_OLM_ERROR_BAD_MESSAGE
 * for one not of this session, damaged, or not text.
 */
char *
handset_megolm_inbound_decrypt (HandsetMegolmInbound *self,
                                const char *ciphertext,
                                guint32 *message_index,
                                GError **error)
{
  char *copy;
  char *plaintext;
  gsize length;
  size_t max_length;
  size_t written;
  uint32_t sent_index = 0;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (ciphertext != NULL, NULL);

  if (!handset_olm_check_message (ciphertext, &length, error))
    return NULL;

  /* Both calls destroy their input: one copy each. */
  copy = handset_olm_dup_input (ciphertext, length);
  max_length = olm_group_decrypt_max_plaintext_length (self->olm, (uint8_t *) copy, length);
  handset_olm_wipe_free (copy, length);
  if (max_length == olm_error ())
    {
      handset_olm_set_object_error (error, &handset_olm_megolm_inbound_kind, self->olm,
                                    INPUT_MESSAGE, "The Megolm message could not be decrypted");
      return NULL;
    }

  plaintext = g_malloc (max_length + 1);
  copy = handset_olm_dup_input (ciphertext, length);
  written = olm_group_decrypt (self->olm, (uint8_t *) copy, length, (uint8_t *) plaintext,
                               max_length, &sent_index);
  handset_olm_wipe_free (copy, length);
  if (written == olm_error ())
    {
      handset_olm_set_object_error (error, &handset_olm_megolm_inbound_kind, self->olm,
                                    INPUT_MESSAGE, "The Megolm message could not be decrypted");
      handset_olm_wipe_free (plaintext, max_length + 1);
      return NULL;
    }

  plaintext = handset_olm_plaintext_to_string (plaintext, max_length + 1, written,
                                               "The Megolm message is not text", error);
  if (plaintext != NULL && message_index != NULL)
    *message_index = sent_index;
  return plaintext;
}
