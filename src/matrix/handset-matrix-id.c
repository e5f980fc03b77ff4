/* handset-matrix-id.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The one check of Matrix identifiers, wherever one comes from (a link, a
 * command, D-Bus, the New Call dialog): user IDs (@), room IDs (!), room
 * aliases (#) and event IDs ($), as far as the spec's grammar says what a
 * client can check; the homeserver finds anything finer.
 */

#include "config.h"

#include <string.h>

#include "handset-matrix-id.h"

/* A DNS name is at most 255 characters, a port at most 5 digits. */
#define SERVER_NAME_MAX_BYTES 261
#define PORT_MAX_DIGITS       5

/**
 * handset_matrix_server_name_is_valid:
 * @length: bytes of @name to read
 *
 * The server name grammar of the spec's appendix: a DNS name or IPv4
 * address (no empty labels), or an IPv6 literal in brackets, with an
 * optional port up to 65535.
 */
gboolean
handset_matrix_server_name_is_valid (const char *name, gsize length)
{
  gsize host_end = length, i;
  guint port = 0;

  if (length == 0 || length > SERVER_NAME_MAX_BYTES)
    return FALSE;

  if (name[0] == '[')
    {
      const char *close = memchr (name, ']', length);

      if (close == NULL || close - name < 3 || close - name > 46)
        return FALSE;
      host_end = (gsize) (close - name) + 1;
      for (i = 1; i < host_end - 1; i++)
        if (!g_ascii_isxdigit (name[i]) && name[i] != ':' && name[i] != '.')
          return FALSE;
    }
  else
    {
      const char *colon = memchr (name, ':', length);

      if (colon != NULL)
        host_end = (gsize) (colon - name);
      if (host_end == 0)
        return FALSE;
      for (i = 0; i < host_end; i++)
        {
          if (!g_ascii_isalnum (name[i]) && name[i] != '-' && name[i] != '.')
            return FALSE;
          /* No empty labels: "..", which a URL path would climb with. */
          if (name[i] == '.' && (i == 0 || i == host_end - 1 || name[i - 1] == '.'))
            return FALSE;
        }
    }

  if (host_end == length)
    return TRUE;
  if (name[host_end] != ':' || length - host_end - 1 == 0 ||
      length - host_end - 1 > PORT_MAX_DIGITS)
    return FALSE;
  for (i = host_end + 1; i < length; i++)
    {
      if (!g_ascii_isdigit (name[i]))
        return FALSE;
      port = port * 10 + (guint) (name[i] - '0');
    }

  return port <= 65535;
}

static const char *
kind_of (char sigil)
{
  switch (sigil)
    {
      case '@':
        return "user ID";
      case '!':
        return "room ID";
      case '#':
        return "room alias";
      case '$':
        return "event ID";
      default:
        return NULL;
    }
}

/**
 * handset_matrix_id_problem:
 * @id: an identifier with its sigil
 *
 * Returns: (transfer full) (nullable): why @id is not a valid Matrix
 *   identifier, in words ("the user ID has no server name"), or %NULL
 *   when it is one. Event IDs of current room versions have no server
 *   name; other identifiers must have one.
 */
char *
handset_matrix_id_problem (const char *id)
{
  const char *what = id != NULL ? kind_of (id[0]) : NULL;
  const char *body, *colon;

  if (what == NULL)
    return g_strdup ("it is not a Matrix ID: those start with @, !, # or $");

  body = id + 1;
  if (*body == '\0')
    return g_strdup_printf ("the %s is empty", what);
  if (strlen (id) > HANDSET_MATRIX_ID_MAX_BYTES)
    return g_strdup_printf ("the %s is longer than %d bytes", what, HANDSET_MATRIX_ID_MAX_BYTES);
  if (!g_utf8_validate (body, -1, NULL))
    return g_strdup_printf ("the %s is not valid UTF-8", what);
  for (const char *p = body; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || g_unichar_isspace (c))
        return g_strdup_printf ("the %s contains a space or a control character", what);
    }

  if (id[0] == '$')
    return NULL;

  /* The server name is all after the first colon: it may hold a port. */
  colon = strchr (body, ':');
  if (colon == NULL || colon[1] == '\0')
    return g_strdup_printf ("the %s has no server name", what);
  if (colon == body)
    return g_strdup_printf ("the %s has no name before its server name", what);
  if (!handset_matrix_server_name_is_valid (colon + 1, strlen (colon + 1)))
    return g_strdup_printf ("“%s” in the %s is not a valid server name", colon + 1, what);

  return NULL;
}

gboolean
handset_matrix_id_is_valid (const char *id)
{
  g_autofree char *problem = handset_matrix_id_problem (id);

  return problem == NULL;
}
