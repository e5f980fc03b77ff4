/* handset-call-ids.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Identifiers of Matrix VoIP v1: `call_id` and `party_id` follow the opaque
 * identifier grammar, [0-9A-Za-z-._~] and 1 to 255 characters.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include <string.h>

#include "handset-call-ids.h"

#define OPAQUE_ID_MAX 255

static const char alphanumerics[] = "0123456789"
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "abcdefghijklmnopqrstuvwxyz";

static gboolean
is_opaque_id_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_' || c == '~';
}

gboolean
handset_call_id_is_valid (const char *id)
{
  gsize len = 0;

  if (id == NULL)
    return FALSE;

  for (const char *p = id; *p; p++, len++)
    {
      if (len >= OPAQUE_ID_MAX || !is_opaque_id_char (*p))
        return FALSE;
    }

  return len > 0;
}

static void
append_random_alphanumerics (GString *s, guint count)
{
  for (guint i = 0; i < count; i++)
    g_string_append_c (s, alphanumerics[g_random_int_range (0, sizeof alphanumerics - 1)]);
}

/**
 * handset_call_id_generate:
 * @now_ms: the current real time in milliseconds since the epoch
 *
 * Builds a call ID the way the reference client does: the time first, so a
 * plain comparison of two IDs in a glare usually favours the older call,
 * then random characters.
 *
 * Returns: (transfer full): a new call ID
 */
char *
handset_call_id_generate (gint64 now_ms)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%" G_GINT64_FORMAT, MAX (now_ms, 0));
  append_random_alphanumerics (s, HANDSET_CALL_ID_RANDOM_LENGTH);

  return g_string_free (s, FALSE);
}

/**
 * handset_party_id_generate:
 *
 * Returns: (transfer full): a random party ID of 8 alphanumerics, for a
 *   user who does not want to show which device took a call
 */
char *
handset_party_id_generate (void)
{
  GString *s = g_string_new (NULL);

  append_random_alphanumerics (s, HANDSET_PARTY_ID_LENGTH);

  return g_string_free (s, FALSE);
}

/**
 * handset_party_id_for_device:
 * @device_id: (nullable): our Matrix device ID
 *
 * Clients choose their own device IDs at login, so a device ID is only
 * used as the party ID when it fits the grammar and is long enough not to
 * collide by chance; otherwise a random party ID is made.
 *
 * Returns: (transfer full): the party ID to use for a call
 */
char *
handset_party_id_for_device (const char *device_id)
{
  if (device_id != NULL && strlen (device_id) >= HANDSET_PARTY_ID_LENGTH &&
      handset_call_id_is_valid (device_id))
    return g_strdup (device_id);

  return handset_party_id_generate ();
}
