/* handset-matrix-uri.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A link to a Matrix user, room or event, once read (reading it is in
 * handset-matrix-uri-parse.c): what it points at, with its action and the
 * servers to join through, and the link written back in matrix: form.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include "handset-matrix-uri-private.h"

/* What to escape when writing a link: everything but pchar in a path
 * segment, and also "&", "=" and "+" in a query value. */
#define PATH_SEGMENT_ALLOWED G_URI_RESERVED_CHARS_ALLOWED_IN_PATH_ELEMENT
#define QUERY_VALUE_ALLOWED  "!$'()*,;:@/?"

const KindInfo handset_matrix_uri_kinds[N_KINDS] = {
  [HANDSET_MATRIX_URI_KIND_USER] = { "u", '@', "user ID" },
  [HANDSET_MATRIX_URI_KIND_ROOM_ALIAS] = { "r", '#', "room alias" },
  [HANDSET_MATRIX_URI_KIND_ROOM_ID] = { "roomid", '!', "room ID" },
};

const char *const handset_matrix_uri_action_names[N_ACTIONS] = {
  [HANDSET_MATRIX_URI_ACTION_NONE] = NULL,
  [HANDSET_MATRIX_URI_ACTION_JOIN] = "join",
  [HANDSET_MATRIX_URI_ACTION_CHAT] = "chat",
  [HANDSET_MATRIX_URI_ACTION_CALL] = "call",
};

G_DEFINE_BOXED_TYPE (HandsetMatrixUri,
                     handset_matrix_uri,
                     handset_matrix_uri_ref,
                     handset_matrix_uri_unref)

/* Written out rather than with G_DEFINE_QUARK, whose dashed name
 * clang-format would space apart. */
GQuark
handset_matrix_uri_error_quark (void)
{
  return g_quark_from_static_string ("handset-matrix-uri-error-quark");
}

static void
matrix_uri_clear (gpointer data)
{
  HandsetMatrixUri *self = data;

  g_free (self->id);
  g_free (self->event_id);
  g_strfreev (self->via);
}

HandsetMatrixUri *
handset_matrix_uri_ref (HandsetMatrixUri *uri)
{
  g_return_val_if_fail (uri != NULL, NULL);

  return g_atomic_rc_box_acquire (uri);
}

void
handset_matrix_uri_unref (HandsetMatrixUri *uri)
{
  g_return_if_fail (uri != NULL);

  g_atomic_rc_box_release_full (uri, matrix_uri_clear);
}

HandsetMatrixUriKind
handset_matrix_uri_get_kind (HandsetMatrixUri *uri)
{
  g_return_val_if_fail (uri != NULL, HANDSET_MATRIX_URI_KIND_USER);

  return uri->kind;
}

/* With its sigil: @user:server, #alias:server or !room:server. */
const char *
handset_matrix_uri_get_id (HandsetMatrixUri *uri)
{
  g_return_val_if_fail (uri != NULL, NULL);

  return uri->id;
}

/* With its "$" sigil, or NULL when the link is not to an event. */
const char *
handset_matrix_uri_get_event_id (HandsetMatrixUri *uri)
{
  g_return_val_if_fail (uri != NULL, NULL);

  return uri->event_id;
}

HandsetMatrixUriAction
handset_matrix_uri_get_action (HandsetMatrixUri *uri)
{
  g_return_val_if_fail (uri != NULL, HANDSET_MATRIX_URI_ACTION_NONE);

  return uri->action;
}

/* The servers to join the room through, in link order; never NULL. */
const char *const *
handset_matrix_uri_get_via (HandsetMatrixUri *uri)
{
  g_return_val_if_fail (uri != NULL, NULL);

  return (const char *const *) uri->via;
}

/* The matrix: form: path, then action=, then every via= in order. */
char *
handset_matrix_uri_to_string (HandsetMatrixUri *uri)
{
  g_autofree char *id = NULL;
  GString *out;
  char separator = '?';

  g_return_val_if_fail (uri != NULL, NULL);

  id = g_uri_escape_string (uri->id + 1, PATH_SEGMENT_ALLOWED, FALSE);
  out = g_string_new ("matrix:");
  g_string_append_printf (out, "%s/%s", handset_matrix_uri_kinds[uri->kind].segment, id);

  if (uri->event_id != NULL)
    {
      g_autofree char *event = g_uri_escape_string (uri->event_id + 1, PATH_SEGMENT_ALLOWED, FALSE);

      g_string_append_printf (out, "/e/%s", event);
    }

  if (uri->action != HANDSET_MATRIX_URI_ACTION_NONE)
    {
      g_string_append_printf (out, "%caction=%s", separator,
                              handset_matrix_uri_action_names[uri->action]);
      separator = '&';
    }

  for (guint i = 0; uri->via[i] != NULL; i++)
    {
      g_autofree char *server = g_uri_escape_string (uri->via[i], QUERY_VALUE_ALLOWED, FALSE);

      g_string_append_printf (out, "%cvia=%s", separator, server);
      separator = '&';
    }

  return g_string_free (out, FALSE);
}
