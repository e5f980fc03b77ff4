/* handset-ice-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A STUN or TURN server the person names (the fallback for a homeserver
 * that offers no relay), written as RFC 7064 and RFC 7065 have it:
 * `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]` or `turns:…`.
 * Checked before it is kept, so a typo is told at once, not found out
 * when a call fails.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "handset-ice-server.h"

#define MAX_URI_LENGTH 512

static gboolean
host_is_valid (const char *host, gsize length)
{
  if (length == 0 || length > 253)
    return FALSE;
  /* An IPv6 literal in brackets. */
  if (host[0] == '[')
    {
      if (length < 3 || host[length - 1] != ']')
        return FALSE;
      for (gsize i = 1; i < length - 1; i++)
        if (!g_ascii_isxdigit (host[i]) && host[i] != ':' && host[i] != '.')
          return FALSE;
      return TRUE;
    }
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (host[i]) && host[i] != '-' && host[i] != '.')
      return FALSE;

  return TRUE;
}

static gboolean
port_is_valid (const char *port, gsize length)
{
  guint64 value = 0;

  if (length == 0 || length > 5)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isdigit (port[i]))
        return FALSE;
      value = value * 10 + (guint64) (port[i] - '0');
    }

  return value >= 1 && value <= 65535;
}

/**
 * handset_ice_server_parse:
 * @kind: (out) (optional): STUN or TURN
 *
 * Returns: whether @uri names a STUN or TURN server; if not, @error says
 *   what is wrong in words a person can act on
 */
gboolean
handset_ice_server_parse (const char *uri, HandsetIceServerKind *kind, GError **error)
{
  const char *rest, *end, *query, *port;
  HandsetIceServerKind found;

  if (uri == NULL || strlen (uri) > MAX_URI_LENGTH)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _ ("The address is too long"));
      return FALSE;
    }
  if (g_str_has_prefix (uri, "stun:"))
    found = HANDSET_ICE_SERVER_STUN, rest = uri + strlen ("stun:");
  else if (g_str_has_prefix (uri, "turn:"))
    found = HANDSET_ICE_SERVER_TURN, rest = uri + strlen ("turn:");
  else if (g_str_has_prefix (uri, "turns:"))
    found = HANDSET_ICE_SERVER_TURN, rest = uri + strlen ("turns:");
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("The address must start with “stun:”, “turn:” or “turns:”"));
      return FALSE;
    }

  query = strchr (rest, '?');
  end = query != NULL ? query : rest + strlen (rest);
  /* The port follows the last colon, unless that colon is inside an IPv6
   * literal. */
  port = NULL;
  for (const char *p = end; p > rest; p--)
    if (p[-1] == ':')
      {
        port = p;
        break;
      }
    else if (p[-1] == ']')
      break;

  if (!host_is_valid (rest, (gsize) ((port != NULL ? port - 1 : end) - rest)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("The address does not name a server, as in “turn:turn.example.org:3478”"));
      return FALSE;
    }
  if (port != NULL && !port_is_valid (port, (gsize) (end - port)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("The port must be a number from 1 to 65535"));
      return FALSE;
    }
  if (query != NULL &&
      (found != HANDSET_ICE_SERVER_TURN ||
       (g_strcmp0 (query, "?transport=udp") != 0 && g_strcmp0 (query, "?transport=tcp") != 0)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("Only a TURN address may end in “?transport=udp” or “?transport=tcp”"));
      return FALSE;
    }

  if (kind != NULL)
    *kind = found;
  return TRUE;
}

/**
 * handset_ice_server_stun_uri:
 *
 * Returns: (transfer full) (nullable): a STUN server as webrtcbin takes it,
 *   `stun://host:port`, or %NULL if @uri is not a valid STUN address
 */
char *
handset_ice_server_stun_uri (const char *uri)
{
  HandsetIceServerKind kind;
  const char *rest;

  if (!handset_ice_server_parse (uri, &kind, NULL) || kind != HANDSET_ICE_SERVER_STUN)
    return NULL;
  rest = uri + strlen ("stun:");
  /* The default port of RFC 7064. */
  if (strchr (rest, ':') == NULL || rest[strlen (rest) - 1] == ']')
    return g_strdup_printf ("stun://%s:3478", rest);

  return g_strdup_printf ("stun://%s", rest);
}
