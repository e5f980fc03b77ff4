/* handset-olm-session.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Olm sessions on libolm: made with another device's keys or from its
 * first message; messages encrypted and decrypted.
 */

#define G_LOG_DOMAIN "Handset-Crypto"

#include "config.h"

#include <string.h>

#include "handset-olm-private.h"

/* ------------------------------------------------------------ Olm sessions */

void
handset_olm_session_free (HandsetOlmSession *self)
{
  if (self == NULL)
    return;

  handset_olm_object_free (&handset_olm_session_kind, self->olm);
  g_free (self->id);
  g_free (self);
}

/**
 * handset_olm_session_new_outbound:
 * @their_curve25519: the other device's identity key
 * @their_one_time_key: one of its one-time keys, or its fallback key
 *
 * Returns: a session whose first messages are pre-key messages, or %NULL
 * with %HANDSET_OLM_ERROR_INVALID for a malformed key.
 */
HandsetOlmSession *
handset_olm_session_new_outbound (HandsetOlmAccount *account,
                                  const char *their_curve25519,
                                  const char *their_one_time_key,
                                  GError **error)
{
  g_autoptr (HandsetOlmSession) self = NULL;
  gsize random_length;
  guint8 *entropy;
  size_t result;

  g_return_val_if_fail (account != NULL, NULL);
  g_return_val_if_fail (their_curve25519 != NULL, NULL);
  g_return_val_if_fail (their_one_time_key != NULL, NULL);

  if (!handset_olm_is_key (their_curve25519) || !handset_olm_is_key (their_one_time_key))
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID,
                           "Not a curve25519 key");
      return NULL;
    }

  self = g_new0 (HandsetOlmSession, 1);
  self->olm = handset_olm_object_new (&handset_olm_session_kind);
  random_length = olm_create_outbound_session_random_length (self->olm);
  entropy = handset_olm_random_buffer (random_length);
  result =
      olm_create_outbound_session (self->olm, account->olm, their_curve25519, KEY_BASE64_LENGTH,
                                   their_one_time_key, KEY_BASE64_LENGTH, entropy, random_length);
  handset_olm_wipe_free (entropy, random_length);

  if (result == olm_error ())
    {
      handset_olm_set_object_error (error, &handset_olm_session_kind, self->olm, INPUT_KEY,
                                    "No Olm session could be started");
      return NULL;
    }

  self->id = handset_olm_object_read_id (&handset_olm_session_kind, self->olm, error);
  if (self->id == NULL)
    return NULL;

  return g_steal_pointer (&self);
}

HandsetOlmSession *
handset_olm_session_new_inbound (HandsetOlmAccount *account,
                                 const char *their_curve25519,
                                 const char *pre_key_body,
                                 GError **error)
{
  g_autoptr (HandsetOlmSession) self = NULL;
  char *copy;
  gsize length;
  size_t result;

  g_return_val_if_fail (account != NULL, NULL);
  g_return_val_if_fail (their_curve25519 != NULL, NULL);
  g_return_val_if_fail (pre_key_body != NULL, NULL);

  if (!handset_olm_is_key (their_curve25519))
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID,
                           "Not a curve25519 key");
      return NULL;
    }

  if (!handset_olm_check_message (pre_key_body, &length, error))
    return NULL;

  self = g_new0 (HandsetOlmSession, 1);
  self->olm = handset_olm_object_new (&handset_olm_session_kind);
  /* Not olm_create_inbound_session_from(): libolm copies the sender's
   * identity key out of the message without checking that the message
   * has one, and a message without it (the field is optional) crashes.
   * olm_create_inbound_session() requires it; it must then be
   * @their_curve25519. */
  copy = handset_olm_dup_input (pre_key_body, length);
  result = olm_create_inbound_session (self->olm, account->olm, copy, length);
  handset_olm_wipe_free (copy, length);

  if (result == olm_error ())
    {
      handset_olm_set_object_error (error, &handset_olm_session_kind, self->olm, INPUT_MESSAGE,
                                    "No Olm session could be started from the pre-key message");
      return NULL;
    }

  copy = handset_olm_dup_input (pre_key_body, length);
  result = olm_matches_inbound_session_from (self->olm, their_curve25519, KEY_BASE64_LENGTH, copy,
                                             length);
  handset_olm_wipe_free (copy, length);
  if (result != 1)
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE,
                           "The pre-key message is not from that key");
      return NULL;
    }

  self->id = handset_olm_object_read_id (&handset_olm_session_kind, self->olm, error);
  if (self->id == NULL)
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * handset_olm_session_matches_inbound:
 *
 * Returns: whether the pre-key message @pre_key_body from @their_curve25519
 * belongs to this session: %FALSE for a malformed key or message too.
 */
gboolean
handset_olm_session_matches_inbound (HandsetOlmSession *self,
                                     const char *their_curve25519,
                                     const char *pre_key_body)
{
  char *copy;
  gsize length;
  size_t result;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (their_curve25519 != NULL, FALSE);
  g_return_val_if_fail (pre_key_body != NULL, FALSE);

  if (!handset_olm_is_key (their_curve25519) ||
      !handset_olm_check_message (pre_key_body, &length, NULL))
    return FALSE;

  copy = handset_olm_dup_input (pre_key_body, length);
  result = olm_matches_inbound_session_from (self->olm, their_curve25519, KEY_BASE64_LENGTH, copy,
                                             length);
  handset_olm_wipe_free (copy, length);

  return result == 1;
}

HandsetOlmSession *
handset_olm_session_unpickle (const char *pickle, const guint8 *key, GError **error)
{
  g_autoptr (HandsetOlmSession) self = NULL;

  g_return_val_if_fail (pickle != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  self = g_new0 (HandsetOlmSession, 1);
  self->olm =
      handset_olm_object_unpickle (&handset_olm_session_kind, pickle, key, &self->id, error);
  return self->olm != NULL ? g_steal_pointer (&self) : NULL;
}

char *
handset_olm_session_pickle (HandsetOlmSession *self, const guint8 *key)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return handset_olm_object_pickle (&handset_olm_session_kind, self->olm, key);
}

const char *
handset_olm_session_get_id (HandsetOlmSession *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->id;
}

gboolean
handset_olm_session_has_received (HandsetOlmSession *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return olm_session_has_received_message (self->olm) != 0;
}

/**
 * handset_olm_session_encrypt:
 * @message_type: (out): %HANDSET_OLM_MESSAGE_PRE_KEY or
 *   %HANDSET_OLM_MESSAGE_NORMAL
 *
 * Returns: the message body, unpadded base64.
 */
char *
handset_olm_session_encrypt (HandsetOlmSession *self, const char *plaintext, int *message_type)
{
  gsize plaintext_length;
  gsize random_length;
  gsize length;
  guint8 *entropy;
  char *message;
  size_t type;
  size_t written;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (plaintext != NULL, NULL);

  type = olm_encrypt_message_type (self->olm);
  if (type == olm_error ())
    {
      g_critical ("The Olm session cannot encrypt: %s", olm_session_last_error (self->olm));
      return NULL;
    }

  plaintext_length = strlen (plaintext);
  length = olm_encrypt_message_length (self->olm, plaintext_length);
  message = g_malloc (length + 1);
  random_length = olm_encrypt_random_length (self->olm);
  entropy = handset_olm_random_buffer (random_length);
  written =
      olm_encrypt (self->olm, plaintext, plaintext_length, entropy, random_length, message, length);
  handset_olm_wipe_free (entropy, random_length);

  if (written == olm_error ())
    {
      g_critical ("The Olm session could not encrypt: %s", olm_session_last_error (self->olm));
      g_free (message);
      return NULL;
    }

  message[written] = '\0';
  if (message_type != NULL)
    *message_type =
        type == OLM_MESSAGE_TYPE_PRE_KEY ? HANDSET_OLM_MESSAGE_PRE_KEY : HANDSET_OLM_MESSAGE_NORMAL;
  return message;
}

/**
 * handset_olm_session_decrypt:
 *
 * Returns: the plaintext, or %NULL with %HANDSET_OLM_ERROR_BAD_MESSAGE for
 * a message that is not of this session, damaged, or not text.
 */
char *
handset_olm_session_decrypt (HandsetOlmSession *self,
                             int message_type,
                             const char *body,
                             GError **error)
{
  char *copy;
  char *plaintext;
  gsize length;
  size_t max_length;
  size_t written;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (body != NULL, NULL);

  /* libolm takes any type other than 1 for a pre-key message. */
  if (message_type != HANDSET_OLM_MESSAGE_PRE_KEY && message_type != HANDSET_OLM_MESSAGE_NORMAL)
    {
      g_set_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE,
                   "No Olm message has type %d", message_type);
      return NULL;
    }

  if (!handset_olm_check_message (body, &length, error))
    return NULL;

  /* Both calls destroy their input: one copy each. */
  copy = handset_olm_dup_input (body, length);
  max_length = olm_decrypt_max_plaintext_length (self->olm, (size_t) message_type, copy, length);
  handset_olm_wipe_free (copy, length);
  if (max_length == olm_error ())
    {
      handset_olm_set_object_error (error, &handset_olm_session_kind, self->olm, INPUT_MESSAGE,
                                    "The Olm message could not be decrypted");
      return NULL;
    }

  plaintext = g_malloc (max_length + 1);
  copy = handset_olm_dup_input (body, length);
  written = olm_decrypt (self->olm, (size_t) message_type, copy, length, plaintext, max_length);
  handset_olm_wipe_free (copy, length);
  if (written == olm_error ())
    {
      handset_olm_set_object_error (error, &handset_olm_session_kind, self->olm, INPUT_MESSAGE,
                                    "The Olm message could not be decrypted");
      handset_olm_wipe_free (plaintext, max_length + 1);
      return NULL;
    }

  return handset_olm_plaintext_to_string (plaintext, max_length + 1, written,
                                          "The Olm message is not text", error);
}
