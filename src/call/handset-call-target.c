/* handset-call-target.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Who a call is for, as a person gives it anywhere (the New Call dialog,
 * a link, the command line, D-Bus): a user ID, a room ID, or a `matrix:`
 * or https://matrix.to link to either. A room alias or an event names no
 * one to call.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "handset-call-target.h"
#include "handset-matrix-id.h"
#include "handset-matrix-uri.h"

static char *
checked (const char *id, gboolean room, gboolean *is_room, GError **error)
{
  g_autofree char *problem = handset_matrix_id_problem (id);

  if (problem != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” cannot be called: %s. A Matrix ID looks like @name:example.org"), id,
                   problem);
      return NULL;
    }
  *is_room = room;
  return g_strdup (id);
}

/**
 * handset_call_target_parse:
 * @target: what the person gave, spaces around it aside
 * @is_room: (out): whether it is a room rather than a person
 *
 * Returns: (transfer full) (nullable): the user or room ID to call, or
 *   %NULL with a %G_IO_ERROR_INVALID_ARGUMENT that says what is wrong
 */
char *
handset_call_target_parse (const char *target, gboolean *is_room, GError **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (target ? target : ""));
  g_autoptr (HandsetMatrixUri) uri = NULL;
  g_autoptr (GError) uri_error = NULL;

  *is_room = FALSE;

  if (*trimmed == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _ ("No one to call: give a Matrix user ID, a room ID, or a matrix: or "
                              "https://matrix.to/#/ link"));
      return NULL;
    }

  if (trimmed[0] == '@' || trimmed[0] == '!')
    return checked (trimmed, trimmed[0] == '!', is_room, error);

  if (trimmed[0] == '#')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” is a room alias; only a person or a room ID can be called"), trimmed);
      return NULL;
    }

  uri = handset_matrix_uri_parse (trimmed, &uri_error);
  if (uri == NULL)
    {
      /* The parser's message already names the link and what is wrong. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("%s; a user ID such as @alice:example.org or a room ID works too"),
                   uri_error->message);
      return NULL;
    }

  switch (handset_matrix_uri_get_kind (uri))
    {
      case HANDSET_MATRIX_URI_KIND_USER:
        return checked (handset_matrix_uri_get_id (uri), FALSE, is_room, error);
      case HANDSET_MATRIX_URI_KIND_ROOM_ID:
        return checked (handset_matrix_uri_get_id (uri), TRUE, is_room, error);
      case HANDSET_MATRIX_URI_KIND_ROOM_ALIAS:
      default:
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     _ ("The link is to the room alias %s; only a person or a room ID can be "
                        "called"),
                     handset_matrix_uri_get_id (uri));
        return NULL;
    }
}
