/* handset-matrix-uri-parse.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads the two kinds of link that point at a Matrix user, room or event:
 * matrix: URIs (Matrix 1.2, MSC2312) and https://matrix.to/#/ links. A link
 * comes from anywhere, so every part of it is checked before it is kept,
 * and every refusal tells the person what is wrong with the link.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "handset-matrix-id.h"
#include "handset-matrix-uri-private.h"

/* How much of a refused link its error message repeats. */
#define QUOTE_MAX_CHARS 64

#define EXPECTED_FORMS "“matrix:” or “https://matrix.to/#/”"

/* Error messages repeat the link so the person sees which one is meant,
 * but the link may be huge, not UTF-8 or full of control bytes. */
static char *
quote_for_message (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GString *quoted = g_string_new (NULL);
  guint count = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (count == QUOTE_MAX_CHARS)
        {
          g_string_append (quoted, "…");
          break;
        }

      g_string_append_unichar (quoted, g_unichar_iscntrl (c) ? 0xFFFD : c);
      count++;
    }

  return g_string_free (quoted, FALSE);
}

static void set_invalid (GError **error, const char *text, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static void
set_invalid (GError **error, const char *text, const char *format, ...)
{
  g_autofree char *quoted = NULL;
  g_autofree char *reason = NULL;
  va_list args;

  if (error == NULL)
    return;

  quoted = quote_for_message (text);

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, HANDSET_MATRIX_URI_ERROR, HANDSET_MATRIX_URI_ERROR_INVALID,
               "“%s” is not a Matrix link: %s", quoted, reason);
}

/* GUri has already refused the link; say why in terms of the link. */
static const char *
describe_uri_error (const GError *uri_error)
{
  if (uri_error->domain == G_URI_ERROR)
    {
      switch (uri_error->code)
        {
          case G_URI_ERROR_BAD_PATH:
          case G_URI_ERROR_BAD_QUERY:
          case G_URI_ERROR_BAD_FRAGMENT:
            return "it has a “%” that is not followed by two hexadecimal digits";
          case G_URI_ERROR_BAD_PORT:
            return "its port number is not valid";
          case G_URI_ERROR_BAD_HOST:
            return "its host name is not valid";
          default:
            break;
        }
    }

  return "it is not a well-formed link";
}

/* Whether ENCODED holds a percent-escape for the byte C. */
static gboolean
has_escape_for (const char *encoded, char c)
{
  for (const char *p = strchr (encoded, '%'); p != NULL; p = strchr (p + 1, '%'))
    {
      /* p[2] is only read when p[1] is a digit, so never past the end. */
      int high = g_ascii_xdigit_value (p[1]);
      int low = high < 0 ? -1 : g_ascii_xdigit_value (p[2]);

      if (low >= 0 && (char) (high * 16 + low) == c)
        return TRUE;
    }

  return FALSE;
}

/* Percent-decodes one part of a link. An encoded NUL would cut the part
 * short, and an encoded "/" inside a segment would change how the path
 * splits once written back, so both are refused. */
static char *
decode_part (const char *text,
             const char *encoded,
             const char *what,
             gboolean allow_slash,
             GError **error)
{
  char *decoded;

  if (has_escape_for (encoded, '\0'))
    {
      set_invalid (error, text, "the %s contains an encoded NUL character (“%%00”)", what);
      return NULL;
    }

  if (!allow_slash && has_escape_for (encoded, '/'))
    {
      set_invalid (error, text, "the %s contains an encoded “/” (“%%2F”)", what);
      return NULL;
    }

  decoded = g_uri_unescape_string (encoded, allow_slash ? NULL : "/");
  if (decoded == NULL)
    set_invalid (error, text, "the %s has a “%%” that is not followed by two hexadecimal digits",
                 what);

  return decoded;
}

/* Checks an identifier that arrived without its sigil and returns it with
 * the sigil. Event IDs of current room versions have no server name. */
static char *
make_id (const char *text, char sigil, const char *body, const char *what, GError **error)
{
  g_autofree char *id = g_strdup_printf ("%c%s", sigil, body);
  g_autofree char *problem = handset_matrix_id_problem (id);

  if (problem != NULL)
    {
      set_invalid (error, text, "%s", problem);
      return NULL;
    }

  return g_steal_pointer (&id);
}

static HandsetMatrixUriAction
action_from_string (const char *value)
{
  for (guint i = 0; i < G_N_ELEMENTS (handset_matrix_uri_action_names); i++)
    {
      if (handset_matrix_uri_action_names[i] != NULL &&
          g_str_equal (value, handset_matrix_uri_action_names[i]))
        return (HandsetMatrixUriAction) i;
    }

  return HANDSET_MATRIX_URI_ACTION_NONE;
}

/* Only action= and via= are read. When action= repeats, the last one
 * decides, even when its value is one this version does not know. */
static gboolean
parse_query (const char *text,
             const char *query,
             HandsetMatrixUriAction *action,
             GPtrArray *via,
             GError **error)
{
  g_auto (GStrv) params = NULL;

  if (query == NULL)
    return TRUE;

  params = g_strsplit (query, "&", -1);

  for (guint i = 0; params[i] != NULL; i++)
    {
      g_autofree char *key = NULL;
      g_autofree char *value = NULL;
      char *equals;

      if (params[i][0] == '\0')
        continue;

      equals = strchr (params[i], '=');
      if (equals != NULL)
        *equals = '\0';

      key = decode_part (text, params[i], "query", TRUE, error);
      if (key == NULL)
        return FALSE;

      value = decode_part (text, equals != NULL ? equals + 1 : "", "query", TRUE, error);
      if (value == NULL)
        return FALSE;

      if (g_str_equal (key, "action"))
        {
          *action = action_from_string (value);
        }
      else if (g_str_equal (key, "via"))
        {
          if (!handset_matrix_server_name_is_valid (value, strlen (value)))
            {
              g_autofree char *server = quote_for_message (value);

              set_invalid (error, text, "“%s” after “via=” is not a valid server name", server);
              return FALSE;
            }

          g_ptr_array_add (via, g_steal_pointer (&value));
        }
    }

  return TRUE;
}

/* The path of a matrix: URI: "u/alice:example.org", or a room followed by
 * "e/" and an event, as in "roomid/abc:example.org/e/event". */
static gboolean
parse_matrix_path (const char *text, const char *path, HandsetMatrixUri *self, GError **error)
{
  g_auto (GStrv) segments = NULL;
  g_autofree char *kind_name = NULL;
  g_autofree char *body = NULL;
  const KindInfo *info = NULL;
  guint n_segments;

  if (*path == '\0')
    {
      set_invalid (
          error, text,
          "there is nothing after “matrix:”; a link looks like “matrix:u/alice:example.org”");
      return FALSE;
    }

  /* Five pieces at most: enough to tell "too many" from four, without
   * splitting a long hostile path into thousands of strings. */
  segments = g_strsplit (path, "/", 5);
  n_segments = g_strv_length (segments);

  kind_name = decode_part (text, segments[0], "path", FALSE, error);
  if (kind_name == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (handset_matrix_uri_kinds); i++)
    {
      if (g_str_equal (kind_name, handset_matrix_uri_kinds[i].segment))
        {
          self->kind = (HandsetMatrixUriKind) i;
          info = &handset_matrix_uri_kinds[i];
        }
    }

  if (info == NULL)
    {
      g_autofree char *quoted = quote_for_message (kind_name);

      if (*kind_name == '\0')
        set_invalid (error, text, "the path must not start with “/”");
      else if (g_str_equal (kind_name, "user"))
        set_invalid (error, text, "the old “user/” form is not supported; use “u/” instead");
      else if (g_str_equal (kind_name, "room"))
        set_invalid (error, text, "the old “room/” form is not supported; use “r/” instead");
      else if (g_str_equal (kind_name, "event"))
        set_invalid (error, text,
                     "the old “event/” form is not supported; an event follows its room, "
                     "as in “roomid/abc:example.org/e/event”");
      else
        set_invalid (error, text,
                     "“%s” is not a kind of Matrix link; use “u/” for a user, “r/” for a "
                     "room alias or “roomid/” for a room ID",
                     quoted);
      return FALSE;
    }

  if (n_segments == 1)
    {
      set_invalid (error, text, "the %s is missing after “%s/”", info->what, info->segment);
      return FALSE;
    }

  if (n_segments == 3 || n_segments > 4)
    {
      set_invalid (error, text,
                   "the path has %s segments; it must have 2, as in “r/room:example.org”, "
                   "or 4, as in “r/room:example.org/e/event”",
                   n_segments == 3 ? "3" : "more than 4");
      return FALSE;
    }

  /* The shape of the path is checked before the IDs in it, so that the
   * message names the first thing to fix. */
  if (n_segments == 4)
    {
      g_autofree char *event_kind = decode_part (text, segments[2], "path", FALSE, error);

      if (event_kind == NULL)
        return FALSE;

      if (g_str_equal (event_kind, "event"))
        {
          set_invalid (error, text, "the old “event/” form is not supported; use “e/” instead");
          return FALSE;
        }

      if (!g_str_equal (event_kind, "e"))
        {
          g_autofree char *quoted = quote_for_message (event_kind);

          set_invalid (error, text, "only “e/” and an event may follow the %s, not “%s/”",
                       info->what, quoted);
          return FALSE;
        }

      if (self->kind == HANDSET_MATRIX_URI_KIND_USER)
        {
          set_invalid (error, text,
                       "a user link cannot point at an event; only “r/” and “roomid/” links "
                       "can have “/e/”");
          return FALSE;
        }
    }

  body = decode_part (text, segments[1], info->what, FALSE, error);
  if (body == NULL)
    return FALSE;

  self->id = make_id (text, info->sigil, body, info->what, error);
  if (self->id == NULL)
    return FALSE;

  if (n_segments == 4)
    {
      g_autofree char *event_body = decode_part (text, segments[3], "event ID", FALSE, error);

      if (event_body == NULL)
        return FALSE;

      self->event_id = make_id (text, '$', event_body, "event ID", error);
      if (self->event_id == NULL)
        return FALSE;
    }

  return TRUE;
}

/* The fragment of a matrix.to link: "/" then an ID with its sigil,
 * optionally "/$event" after a room, optionally "?" and a query. */
static gboolean
parse_matrix_to (const char *text,
                 const char *path,
                 const char *fragment,
                 HandsetMatrixUri *self,
                 GPtrArray *via,
                 GError **error)
{
  g_auto (GStrv) segments = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *first = NULL;
  const char *query_start;
  const KindInfo *info = NULL;
  guint n_segments;

  if (*path != '\0' && !g_str_equal (path, "/"))
    {
      set_invalid (error, text,
                   "a matrix.to link has its ID after “#/”, as in "
                   "“https://matrix.to/#/@alice:example.org”");
      return FALSE;
    }

  if (fragment == NULL || fragment[0] != '/' || fragment[1] == '\0' || fragment[1] == '?')
    {
      set_invalid (error, text,
                   "there is no ID after “#/”; a matrix.to link looks like "
                   "“https://matrix.to/#/@alice:example.org”");
      return FALSE;
    }

  query_start = strchr (fragment, '?');
  if (query_start != NULL)
    ids = g_strndup (fragment + 1, (gsize) (query_start - (fragment + 1)));
  else
    ids = g_strdup (fragment + 1);

  segments = g_strsplit (ids, "/", 3);
  n_segments = g_strv_length (segments);

  if (n_segments > 2)
    {
      set_invalid (error, text, "only an event may follow the room after “#/”");
      return FALSE;
    }

  first = decode_part (text, segments[0], "ID", FALSE, error);
  if (first == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (handset_matrix_uri_kinds); i++)
    {
      if (first[0] == handset_matrix_uri_kinds[i].sigil)
        {
          self->kind = (HandsetMatrixUriKind) i;
          info = &handset_matrix_uri_kinds[i];
        }
    }

  if (info == NULL)
    {
      if (first[0] == '+')
        set_invalid (error, text, "community links (“+”) are not supported");
      else
        set_invalid (error, text,
                     "the ID after “#/” must start with “@” for a user, “#” for a room alias "
                     "or “!” for a room ID");
      return FALSE;
    }

  self->id = make_id (text, info->sigil, first + 1, info->what, error);
  if (self->id == NULL)
    return FALSE;

  if (n_segments == 2)
    {
      g_autofree char *second = NULL;

      if (self->kind == HANDSET_MATRIX_URI_KIND_USER)
        {
          set_invalid (error, text, "a user link cannot point at an event; only room links can");
          return FALSE;
        }

      second = decode_part (text, segments[1], "event ID", FALSE, error);
      if (second == NULL)
        return FALSE;

      if (second[0] == '\0')
        {
          set_invalid (error, text, "the event ID after the room is empty");
          return FALSE;
        }

      if (second[0] != '$')
        {
          set_invalid (error, text, "the event ID after the room must start with “$”");
          return FALSE;
        }

      self->event_id = make_id (text, '$', second + 1, "event ID", error);
      if (self->event_id == NULL)
        return FALSE;
    }

  return parse_query (text, query_start != NULL ? query_start + 1 : NULL, &self->action, via,
                      error);
}

/**
 * handset_matrix_uri_parse:
 * @text: (nullable): a matrix: URI or an https://matrix.to/#/ link
 * @error: return location for a %HANDSET_MATRIX_URI_ERROR_INVALID error
 *
 * Returns: (transfer full) (nullable): the link, or %NULL with @error set
 */
HandsetMatrixUri *
handset_matrix_uri_parse (const char *text, GError **error)
{
  g_autoptr (GError) uri_error = NULL;
  g_autoptr (HandsetMatrixUri) self = NULL;
  g_autoptr (GPtrArray) via = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;
  g_autofree char *query = NULL;
  g_autofree char *fragment = NULL;
  gboolean parsed;

  if (text == NULL)
    {
      g_set_error_literal (error, HANDSET_MATRIX_URI_ERROR, HANDSET_MATRIX_URI_ERROR_INVALID,
                           "No Matrix link was given");
      return NULL;
    }

  if (*text == '\0')
    {
      set_invalid (error, text, "it is empty");
      return NULL;
    }

  /* g_uri_split() rather than g_uri_parse(): parsing removes "." and ".."
   * segments, which would make matrix:u/../r/x:y a different link from the
   * one the person sees. The parts stay encoded so that each is decoded on
   * its own, after splitting. The scheme comes back in lower case. */
  if (!g_uri_split (
          text, G_URI_FLAGS_ENCODED_PATH | G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_ENCODED_FRAGMENT,
          &scheme, NULL, &host, NULL, &path, &query, &fragment, &uri_error))
    {
      set_invalid (error, text, "%s", describe_uri_error (uri_error));
      return NULL;
    }

  self = g_atomic_rc_box_new0 (HandsetMatrixUri);
  via = g_ptr_array_new_with_free_func (g_free);

  if (g_strcmp0 (scheme, "matrix") == 0)
    {
      if (host != NULL)
        {
          set_invalid (error, text, "links with a server after “matrix://” are not supported");
          return NULL;
        }

      /* A fragment is for the page a link points into; Matrix gives it no
       * meaning, so it is left alone. */
      parsed = parse_matrix_path (text, path, self, error) &&
               parse_query (text, query, &self->action, via, error);
    }
  else if ((g_strcmp0 (scheme, "https") == 0 || g_strcmp0 (scheme, "http") == 0) && host != NULL)
    {
      if (g_ascii_strcasecmp (host, "matrix.to") != 0)
        {
          g_autofree char *quoted = quote_for_message (host);

          set_invalid (error, text, "it is a web link to “%s”; only matrix.to links lead to Matrix",
                       quoted);
          return NULL;
        }

      parsed = parse_matrix_to (text, path, fragment, self, via, error);
    }
  else
    {
      set_invalid (error, text, "it must start with " EXPECTED_FORMS);
      return NULL;
    }

  if (!parsed)
    return NULL;

  g_ptr_array_add (via, NULL);
  self->via = (char **) g_ptr_array_free (g_steal_pointer (&via), FALSE);

  return g_steal_pointer (&self);
}
