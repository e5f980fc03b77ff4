/* test-matrix-uri.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib-object.h>

#include "handset-matrix-uri.h"

#define USER       HANDSET_MATRIX_URI_KIND_USER
#define ROOM_ALIAS HANDSET_MATRIX_URI_KIND_ROOM_ALIAS
#define ROOM_ID    HANDSET_MATRIX_URI_KIND_ROOM_ID

#define NONE HANDSET_MATRIX_URI_ACTION_NONE
#define JOIN HANDSET_MATRIX_URI_ACTION_JOIN
#define CHAT HANDSET_MATRIX_URI_ACTION_CHAT
#define CALL HANDSET_MATRIX_URI_ACTION_CALL

typedef struct
{
  const char *text;
  HandsetMatrixUriKind kind;
  const char *id;
  const char *event_id;
  HandsetMatrixUriAction action;
  const char *via[4];
  /* What handset_matrix_uri_to_string() gives. */
  const char *canonical;
} ValidCase;

static const ValidCase valid_cases[] = {
  /* The three kinds, and events after rooms. */
  { "matrix:u/alice:example.org",
    USER,
    "@alice:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:example.org" },
  { "matrix:r/room:example.org",
    ROOM_ALIAS,
    "#room:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:r/room:example.org" },
  { "matrix:roomid/abc:example.org",
    ROOM_ID,
    "!abc:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:roomid/abc:example.org" },
  { "matrix:roomid/abc:example.org/e/event1",
    ROOM_ID,
    "!abc:example.org",
    "$event1",
    NONE,
    { NULL },
    "matrix:roomid/abc:example.org/e/event1" },
  { "matrix:r/room:example.org/e/event1",
    ROOM_ALIAS,
    "#room:example.org",
    "$event1",
    NONE,
    { NULL },
    "matrix:r/room:example.org/e/event1" },
  { "matrix:roomid/abc:example.org/e/Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg",
    ROOM_ID,
    "!abc:example.org",
    "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg",
    NONE,
    { NULL },
    "matrix:roomid/abc:example.org/e/Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg" },
  /* The scheme in any case. */
  { "MATRIX:u/alice:example.org",
    USER,
    "@alice:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:example.org" },
  { "Matrix:r/room:example.org",
    ROOM_ALIAS,
    "#room:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:r/room:example.org" },
  /* Actions. */
  { "matrix:u/alice:example.org?action=chat",
    USER,
    "@alice:example.org",
    NULL,
    CHAT,
    { NULL },
    "matrix:u/alice:example.org?action=chat" },
  { "matrix:r/room:example.org?action=join",
    ROOM_ALIAS,
    "#room:example.org",
    NULL,
    JOIN,
    { NULL },
    "matrix:r/room:example.org?action=join" },
  { "matrix:u/alice:example.org?action=call",
    USER,
    "@alice:example.org",
    NULL,
    CALL,
    { NULL },
    "matrix:u/alice:example.org?action=call" },
  { "matrix:u/alice:example.org?action=dance",
    USER,
    "@alice:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:example.org" },
  { "matrix:u/alice:example.org?action=JOIN",
    USER,
    "@alice:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:example.org" },
  { "matrix:u/alice:example.org?action",
    USER,
    "@alice:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:example.org" },
  /* The last action= wins, even an unknown one. */
  { "matrix:r/room:example.org?action=join&action=chat",
    ROOM_ALIAS,
    "#room:example.org",
    NULL,
    CHAT,
    { NULL },
    "matrix:r/room:example.org?action=chat" },
  { "matrix:r/room:example.org?action=chat&action=join",
    ROOM_ALIAS,
    "#room:example.org",
    NULL,
    JOIN,
    { NULL },
    "matrix:r/room:example.org?action=join" },
  { "matrix:u/alice:example.org?action=call&via=a.org&action=chat",
    USER,
    "@alice:example.org",
    NULL,
    CHAT,
    { "a.org", NULL },
    "matrix:u/alice:example.org?action=chat&via=a.org" },
  { "matrix:r/room:example.org?action=join&action=dance",
    ROOM_ALIAS,
    "#room:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:r/room:example.org" },
  /* via=, repeated, in order, with ports and IP literals. */
  { "matrix:roomid/abc:example.org?via=a.org&via=b.org:8448&via=%5B::1%5D:8448",
    ROOM_ID,
    "!abc:example.org",
    NULL,
    NONE,
    { "a.org", "b.org:8448", "[::1]:8448", NULL },
    "matrix:roomid/abc:example.org?via=a.org&via=b.org:8448&via=%5B::1%5D:8448" },
  { "matrix:roomid/abc:example.org/e/ev?via=10.0.0.1&action=join",
    ROOM_ID,
    "!abc:example.org",
    "$ev",
    JOIN,
    { "10.0.0.1", NULL },
    "matrix:roomid/abc:example.org/e/ev?action=join&via=10.0.0.1" },
  /* Unknown keys, empty parameters and fragments are ignored. */
  { "matrix:u/alice:example.org?foo=bar&&via=a.org&x",
    USER,
    "@alice:example.org",
    NULL,
    NONE,
    { "a.org", NULL },
    "matrix:u/alice:example.org?via=a.org" },
  { "matrix:u/alice:example.org?foo=%FF%FE",
    USER,
    "@alice:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:example.org" },
  { "matrix:u/alice:example.org#fragment",
    USER,
    "@alice:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:example.org" },
  { "matrix:u/alice:example.org?action=chat#action=join",
    USER,
    "@alice:example.org",
    NULL,
    CHAT,
    { NULL },
    "matrix:u/alice:example.org?action=chat" },
  /* Percent-decoding of path, query keys and query values. */
  { "matrix:u/%61lice%3Aexample.org",
    USER,
    "@alice:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:example.org" },
  { "matrix:r/caf%C3%A9:example.org",
    ROOM_ALIAS,
    "#café:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:r/caf%C3%A9:example.org" },
  { "matrix:r/room%3Fx%23y:example.org",
    ROOM_ALIAS,
    "#room?x#y:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:r/room%3Fx%23y:example.org" },
  { "matrix:u/alice:example.org?action=j%6Fin",
    USER,
    "@alice:example.org",
    NULL,
    JOIN,
    { NULL },
    "matrix:u/alice:example.org?action=join" },
  { "matrix:u/alice:example.org?%61ction=chat",
    USER,
    "@alice:example.org",
    NULL,
    CHAT,
    { NULL },
    "matrix:u/alice:example.org?action=chat" },
  { "matrix:u/alice:example.org?via=b%2Eorg",
    USER,
    "@alice:example.org",
    NULL,
    NONE,
    { "b.org", NULL },
    "matrix:u/alice:example.org?via=b.org" },
  /* Server names: ports, IPv4, IPv6. */
  { "matrix:u/alice:example.org:8448",
    USER,
    "@alice:example.org:8448",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:example.org:8448" },
  { "matrix:u/alice:127.0.0.1",
    USER,
    "@alice:127.0.0.1",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:127.0.0.1" },
  { "matrix:u/alice:[::1]:8448",
    USER,
    "@alice:[::1]:8448",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:%5B::1%5D:8448" },
  { "matrix:u/alice:%5B2001:db8::1%5D",
    USER,
    "@alice:[2001:db8::1]",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:%5B2001:db8::1%5D" },
  /* matrix.to links. */
  { "https://matrix.to/#/@alice:example.org",
    USER,
    "@alice:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:example.org" },
  { "https://matrix.to/#/#room:example.org",
    ROOM_ALIAS,
    "#room:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:r/room:example.org" },
  { "https://matrix.to/#/!room:example.org/$event?via=a.org&via=b.org",
    ROOM_ID,
    "!room:example.org",
    "$event",
    NONE,
    { "a.org", "b.org", NULL },
    "matrix:roomid/room:example.org/e/event?via=a.org&via=b.org" },
  { "https://matrix.to/#/%40alice%3Aexample.org",
    USER,
    "@alice:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:example.org" },
  { "https://matrix.to/#/%23room%3Aexample.org/%24event%3Aexample.org",
    ROOM_ALIAS,
    "#room:example.org",
    "$event:example.org",
    NONE,
    { NULL },
    "matrix:r/room:example.org/e/event:example.org" },
  { "http://matrix.to/#/@alice:example.org",
    USER,
    "@alice:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:example.org" },
  { "HTTPS://Matrix.TO/#/@alice:example.org",
    USER,
    "@alice:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:example.org" },
  { "https://matrix.to#/@alice:example.org",
    USER,
    "@alice:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:example.org" },
  { "https://matrix.to/#/#room:example.org?action=join",
    ROOM_ALIAS,
    "#room:example.org",
    NULL,
    JOIN,
    { NULL },
    "matrix:r/room:example.org?action=join" },
  { "https://matrix.to/#/@alice:example.org?action=call&action=chat",
    USER,
    "@alice:example.org",
    NULL,
    CHAT,
    { NULL },
    "matrix:u/alice:example.org?action=chat" },
  { "https://matrix.to/?action=join#/@alice:example.org",
    USER,
    "@alice:example.org",
    NULL,
    NONE,
    { NULL },
    "matrix:u/alice:example.org" },
  { "https://matrix.to/#/!abc:example.org?via=%5B::1%5D",
    ROOM_ID,
    "!abc:example.org",
    NULL,
    NONE,
    { "[::1]", NULL },
    "matrix:roomid/abc:example.org?via=%5B::1%5D" },
};

typedef struct
{
  const char *text;
  /* A part of the message that names the problem. */
  const char *reason;
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  /* Structure of matrix: links. */
  { "", "it is empty" },
  { "matrix:", "there is nothing after “matrix:”" },
  { "matrix:u", "the user ID is missing after “u/”" },
  { "matrix:u/", "the user ID is empty" },
  { "matrix:u//", "the path has 3 segments" },
  { "matrix:r/room:example.org/e", "the path has 3 segments" },
  { "matrix:r/room:example.org/e/ev/x", "the path has more than 4 segments" },
  { "matrix:r/room:example.org/e/ev/x/y/z/w", "the path has more than 4 segments" },
  { "matrix:x/y:z", "“x” is not a kind of Matrix link" },
  { "matrix:U/alice:example.org", "“U” is not a kind of Matrix link" },
  { "matrix:g/group:example.org", "“g” is not a kind of Matrix link" },
  { "matrix:/u/alice:example.org", "the path must not start with “/”" },
  { "matrix://example.org/u/alice:example.org", "links with a server after “matrix://”" },
  { "matrix:///u/alice:example.org", "links with a server after “matrix://”" },
  /* Events only after rooms, only as "e/". */
  { "matrix:u/a:b/e/c", "a user link cannot point at an event" },
  { "matrix:r/room:example.org/x/ev", "only “e/” and an event may follow the room alias" },
  { "matrix:r/room:example.org/e/", "the event ID is empty" },
  { "matrix:roomid/abc:example.org/e/ev%20x", "the event ID contains a space" },
  /* The old spellings. */
  { "matrix:user/alice:example.org", "the old “user/” form is not supported; use “u/”" },
  { "matrix:room/room:example.org", "the old “room/” form is not supported; use “r/”" },
  { "matrix:event/ev", "the old “event/” form is not supported" },
  { "matrix:roomid/abc:example.org/event/ev", "the old “event/” form is not supported" },
  /* The ID: localpart, server name. */
  { "matrix:u/alice", "the user ID has no server name" },
  { "matrix:u/alice:", "the user ID has no server name" },
  { "matrix:r/:example.org", "the room alias has no name before its server name" },
  { "matrix:roomid/abc", "the room ID has no server name" },
  { "matrix:u/alice:exa_mple.org", "“exa_mple.org” in the user ID is not a valid server name" },
  { "matrix:u/alice:example.org:", "is not a valid server name" },
  { "matrix:u/alice:example.org:99999", "is not a valid server name" },
  { "matrix:u/alice:example.org:123456", "is not a valid server name" },
  { "matrix:u/alice:example.org:80a", "is not a valid server name" },
  { "matrix:u/alice:a:b:c", "is not a valid server name" },
  { "matrix:u/alice:%5B::1", "is not a valid server name" },
  { "matrix:u/alice:%5Bzz::1%5D:80", "is not a valid server name" },
  { "matrix:u/alice:%5B::1%5Dx", "is not a valid server name" },
  { "matrix:u/alice:%5B%5D", "is not a valid server name" },
  { "matrix:u/alice:caf%C3%A9.org", "is not a valid server name" },
  /* Decoding. */
  { "matrix:u/al%00ice:example.org", "the user ID contains an encoded NUL character" },
  { "matrix:u/al%2Fice:example.org", "the user ID contains an encoded “/”" },
  { "matrix:u/al%2fice:example.org", "the user ID contains an encoded “/”" },
  { "matrix:u/%FF%FE:example.org", "the user ID is not valid UTF-8" },
  { "matrix:u/\xff\xfe:example.org", "the user ID is not valid UTF-8" },
  { "matrix:u/al%C3ice:example.org", "the user ID is not valid UTF-8" },
  { "matrix:u/al ice:example.org", "the user ID contains a space or a control character" },
  { "matrix:u/al%20ice:example.org", "the user ID contains a space or a control character" },
  { "matrix:u/al%09ice:example.org", "the user ID contains a space or a control character" },
  { "matrix:u/al%7Fice:example.org", "the user ID contains a space or a control character" },
  { "matrix:u/al%C2%85ice:example.org", "the user ID contains a space or a control character" },
  { "matrix:u/al%C2%A0ice:example.org", "the user ID contains a space or a control character" },
  { "matrix:u/al\x01ice:example.org", "the user ID contains a space or a control character" },
  { "matrix:u/a%zz:example.org", "it has a “%” that is not followed by two hexadecimal digits" },
  { "matrix:u/alice:example.org%", "it has a “%” that is not followed by two hexadecimal digits" },
  /* Queries. */
  { "matrix:u/alice:example.org?via=", "“” after “via=” is not a valid server name" },
  { "matrix:u/alice:example.org?via", "“” after “via=” is not a valid server name" },
  { "matrix:u/alice:example.org?via=bad_host", "“bad_host” after “via=” is not a valid" },
  { "matrix:u/alice:example.org?via=a.org&via=%FF", "after “via=” is not a valid server name" },
  { "matrix:u/alice:example.org?via=a.org%00", "the query contains an encoded NUL character" },
  { "matrix:u/alice:example.org?x=%00", "the query contains an encoded NUL character" },
  { "matrix:u/alice:example.org?action=%zz", "it has a “%” that is not followed" },
  /* Not Matrix links at all. */
  { "alice", "it must start with “matrix:” or “https://matrix.to/#/”" },
  { "@alice:example.org", "it must start with “matrix:” or “https://matrix.to/#/”" },
  { "mailto:alice@example.org", "it must start with “matrix:” or “https://matrix.to/#/”" },
  { "ftp://matrix.to/#/@alice:example.org", "it must start with “matrix:”" },
  { "https:#/@alice:example.org", "it must start with “matrix:”" },
  { "matrixx:u/alice:example.org", "it must start with “matrix:”" },
  { " matrix:u/alice:example.org", "it must start with “matrix:”" },
  { "https://example.org/#/@alice:example.org", "it is a web link to “example.org”" },
  { "https://matrix.to.example.org/#/@alice:example.org", "it is a web link to" },
  { "https://[::1/#/@alice:example.org", "its host name is not valid" },
  { "https://matrix.to:99999/#/@alice:example.org", "its port number is not valid" },
  /* matrix.to links. */
  { "https://matrix.to/", "there is no ID after “#/”" },
  { "https://matrix.to/#/", "there is no ID after “#/”" },
  { "https://matrix.to/#/?via=a.org", "there is no ID after “#/”" },
  { "https://matrix.to/#@alice:example.org", "there is no ID after “#/”" },
  { "https://matrix.to/room/#/@alice:example.org", "a matrix.to link has its ID after “#/”" },
  { "https://matrix.to/#/alice:example.org", "the ID after “#/” must start with “@”" },
  { "https://matrix.to/#/$event:example.org", "the ID after “#/” must start with “@”" },
  { "https://matrix.to/#/+group:example.org", "community links (“+”) are not supported" },
  { "https://matrix.to/#/@alice", "the user ID has no server name" },
  { "https://matrix.to/#/@", "the user ID is empty" },
  { "https://matrix.to/#/@alice:example.org/$event", "a user link cannot point at an event" },
  { "https://matrix.to/#/!room:example.org/event", "must start with “$”" },
  { "https://matrix.to/#/!room:example.org/", "the event ID after the room is empty" },
  { "https://matrix.to/#/!room:example.org/$", "the event ID is empty" },
  { "https://matrix.to/#/!room:example.org/$e/x", "only an event may follow the room" },
  { "https://matrix.to/#/%40alice%00%3Aexample.org", "the ID contains an encoded NUL" },
  { "https://matrix.to/#/%40alice%3Aexample.org%2F%24ev", "the ID contains an encoded “/”" },
  { "https://matrix.to/#/@al%FFice:example.org", "the user ID is not valid UTF-8" },
  { "https://matrix.to/#/#room:example.org?via=a.org/x", "“a.org/x” after “via=” is not" },
};

/* TAP output must stay UTF-8 without line breaks. */
static void
print_case (const char *text)
{
  g_autofree char *escaped = g_strescape (text, NULL);

  g_test_message ("%s", escaped);
}

static void
assert_uri_equal (HandsetMatrixUri *a, HandsetMatrixUri *b)
{
  const char *const *via_a = handset_matrix_uri_get_via (a);
  const char *const *via_b = handset_matrix_uri_get_via (b);

  g_assert_cmpint (handset_matrix_uri_get_kind (a), ==, handset_matrix_uri_get_kind (b));
  g_assert_cmpstr (handset_matrix_uri_get_id (a), ==, handset_matrix_uri_get_id (b));
  g_assert_cmpstr (handset_matrix_uri_get_event_id (a), ==, handset_matrix_uri_get_event_id (b));
  g_assert_cmpint (handset_matrix_uri_get_action (a), ==, handset_matrix_uri_get_action (b));
  g_assert_true (g_strv_equal ((const char *const *) via_a, (const char *const *) via_b));
}

/* Every refusal is NULL plus an error of our domain with a readable,
 * bounded message. */
static void
assert_refused (HandsetMatrixUri *uri, GError *error)
{
  g_assert_null (uri);
  g_assert_error (error, HANDSET_MATRIX_URI_ERROR, HANDSET_MATRIX_URI_ERROR_INVALID);
  g_assert_nonnull (error->message);
  g_assert_cmpuint (strlen (error->message), >, 0);
  g_assert_cmpuint (strlen (error->message), <, 1024);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_valid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    {
      const ValidCase *c = &valid_cases[i];
      g_autoptr (HandsetMatrixUri) uri = NULL;
      g_autoptr (GError) error = NULL;
      const char *const *via;
      guint n_via = 0;

      print_case (c->text);
      uri = handset_matrix_uri_parse (c->text, &error);
      g_assert_no_error (error);
      g_assert_nonnull (uri);

      g_assert_cmpint (handset_matrix_uri_get_kind (uri), ==, c->kind);
      g_assert_cmpstr (handset_matrix_uri_get_id (uri), ==, c->id);
      g_assert_cmpstr (handset_matrix_uri_get_event_id (uri), ==, c->event_id);
      g_assert_cmpint (handset_matrix_uri_get_action (uri), ==, c->action);

      via = handset_matrix_uri_get_via (uri);
      g_assert_nonnull (via);
      while (c->via[n_via] != NULL)
        n_via++;
      g_assert_cmpuint (g_strv_length ((char **) via), ==, n_via);
      for (guint j = 0; j < n_via; j++)
        g_assert_cmpstr (via[j], ==, c->via[j]);
    }
}

static void
test_round_trip (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    {
      const ValidCase *c = &valid_cases[i];
      g_autoptr (HandsetMatrixUri) uri = NULL;
      g_autoptr (HandsetMatrixUri) again = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *text = NULL;
      g_autofree char *text_again = NULL;

      print_case (c->text);
      uri = handset_matrix_uri_parse (c->text, &error);
      g_assert_no_error (error);

      text = handset_matrix_uri_to_string (uri);
      g_assert_cmpstr (text, ==, c->canonical);

      again = handset_matrix_uri_parse (text, &error);
      g_assert_no_error (error);
      assert_uri_equal (uri, again);

      /* The canonical form is a fixed point. */
      text_again = handset_matrix_uri_to_string (again);
      g_assert_cmpstr (text_again, ==, text);
    }
}

static void
test_invalid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      const InvalidCase *c = &invalid_cases[i];
      g_autoptr (HandsetMatrixUri) uri = NULL;
      g_autoptr (HandsetMatrixUri) quiet = NULL;
      g_autoptr (GError) error = NULL;

      print_case (c->text);
      uri = handset_matrix_uri_parse (c->text, &error);
      assert_refused (uri, error);
      g_assert_nonnull (strstr (error->message, c->reason));

      /* The same refusal without anyone asking why. */
      quiet = handset_matrix_uri_parse (c->text, NULL);
      g_assert_null (quiet);
    }
}

static void
test_message (void)
{
  g_autoptr (HandsetMatrixUri) uri = NULL;
  g_autoptr (GError) error = NULL;

  uri = handset_matrix_uri_parse ("matrix:u/alice", &error);
  assert_refused (uri, error);
  g_assert_cmpstr (error->message, ==,
                   "“matrix:u/alice” is not a Matrix link: the user ID has no server name");
  g_clear_error (&error);

  /* Control bytes and bad UTF-8 in the link do not reach the message. */
  uri = handset_matrix_uri_parse ("matrix:u/\x01\xff:example.org", &error);
  assert_refused (uri, error);
  g_assert_cmpstr (error->message, ==,
                   "“matrix:u/\xef\xbf\xbd\xef\xbf\xbd:example.org” is not a Matrix link: the user "
                   "ID is not valid UTF-8");
  g_clear_error (&error);

  uri = handset_matrix_uri_parse ("matrix:u/\x01x:example.org", &error);
  assert_refused (uri, error);
  g_assert_cmpstr (error->message, ==,
                   "“matrix:u/\xef\xbf\xbdx:example.org” is not a Matrix link: the user ID "
                   "contains a space or a control character");
}

static void
test_null_input (void)
{
  g_autoptr (HandsetMatrixUri) uri = NULL;
  g_autoptr (GError) error = NULL;

  uri = handset_matrix_uri_parse (NULL, &error);
  assert_refused (uri, error);
  g_assert_cmpstr (error->message, ==, "No Matrix link was given");

  uri = handset_matrix_uri_parse (NULL, NULL);
  g_assert_null (uri);
}

static void
test_id_length (void)
{
  g_autoptr (HandsetMatrixUri) uri = NULL;
  g_autoptr (GError) error = NULL;
  const char *server = ":example.org";
  g_autofree char *longest = NULL;
  g_autofree char *too_long = NULL;
  g_autofree char *text = NULL;
  g_autofree char *localpart = NULL;

  /* "@" + localpart + ":example.org" is exactly 255 bytes. */
  localpart = g_strnfill (255 - 1 - strlen (server), 'a');
  longest = g_strconcat ("matrix:u/", localpart, server, NULL);
  uri = handset_matrix_uri_parse (longest, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (handset_matrix_uri_get_id (uri)), ==, 255);
  g_clear_pointer (&uri, handset_matrix_uri_unref);

  too_long = g_strconcat ("matrix:u/a", localpart, server, NULL);
  uri = handset_matrix_uri_parse (too_long, &error);
  assert_refused (uri, error);
  g_assert_nonnull (strstr (error->message, "the user ID is longer than 255 bytes"));
  g_clear_error (&error);

  /* The same limit for event IDs, with their "$". */
  g_free (localpart);
  localpart = g_strnfill (254, 'e');
  text = g_strconcat ("matrix:roomid/abc:example.org/e/", localpart, NULL);
  uri = handset_matrix_uri_parse (text, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (handset_matrix_uri_get_event_id (uri)), ==, 255);
  g_clear_pointer (&uri, handset_matrix_uri_unref);

  g_free (text);
  text = g_strconcat ("https://matrix.to/#/!abc:example.org/$e", localpart, NULL);
  uri = handset_matrix_uri_parse (text, &error);
  assert_refused (uri, error);
  g_assert_nonnull (strstr (error->message, "the event ID is longer than 255 bytes"));
}

static void
assert_long_refused (const char *prefix, char fill, const char *suffix, const char *reason)
{
  g_autoptr (HandsetMatrixUri) uri = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *middle = g_strnfill (100 * 1024, fill);
  g_autofree char *text = g_strconcat (prefix, middle, suffix, NULL);

  uri = handset_matrix_uri_parse (text, &error);
  assert_refused (uri, error);
  g_assert_nonnull (strstr (error->message, reason));
  /* The message quotes the start of the link, not all of it. */
  g_assert_true (g_str_has_prefix (error->message, "“"));
  g_assert_nonnull (strstr (error->message, "…” is not a Matrix link: "));
}

static void
test_long_input (void)
{
  assert_long_refused ("matrix:u/", 'a', ":example.org", "the user ID is longer than 255 bytes");
  assert_long_refused ("matrix:u/alice:", 'a', "", "the user ID is longer than 255 bytes");
  assert_long_refused ("matrix:u/alice:example.org?via=", 'a', "", "is not a valid server name");
  assert_long_refused ("matrix:u/alice:example.org/", '/', "", "the path has more than 4");
  assert_long_refused ("matrix:", '%', "", "it has a “%” that is not followed");
  assert_long_refused ("matrix:u/", '\x01', ":example.org", "the user ID is longer than 255");
  assert_long_refused ("https://matrix.to/#/", '@', "", "the user ID is longer than 255 bytes");
  assert_long_refused ("https://matrix.to/#/!a:b.org/$", '$', "", "the event ID is longer");
  assert_long_refused ("", 'x', "", "it must start with");

  /* A long query of things to ignore is fine. */
  {
    g_autoptr (HandsetMatrixUri) uri = NULL;
    g_autoptr (GError) error = NULL;
    g_autofree char *ignored = g_strnfill (100 * 1024, '&');
    g_autofree char *text =
        g_strconcat ("matrix:u/alice:example.org?", ignored, "action=chat", NULL);

    uri = handset_matrix_uri_parse (text, &error);
    g_assert_no_error (error);
    g_assert_cmpint (handset_matrix_uri_get_action (uri), ==, CHAT);
  }
}

/* Whatever comes in, the result is either a link whose fields hold what
 * the getters promise or a refusal; never a crash (the sanitizer runs of
 * the unit suite watch the reads). */
static gboolean
check_any_input (const char *text)
{
  g_autoptr (HandsetMatrixUri) uri = NULL;
  g_autoptr (HandsetMatrixUri) again = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *canonical = NULL;
  const char *id;
  const char *const *via;

  uri = handset_matrix_uri_parse (text, &error);
  if (uri == NULL)
    {
      assert_refused (uri, error);
      return FALSE;
    }

  g_assert_no_error (error);
  id = handset_matrix_uri_get_id (uri);
  g_assert_nonnull (id);
  g_assert_true (g_utf8_validate (id, -1, NULL));
  g_assert_cmpuint (strlen (id), <=, 255);
  g_assert_nonnull (strchr ("@#!", id[0]));
  if (handset_matrix_uri_get_event_id (uri) != NULL)
    g_assert_cmpint (handset_matrix_uri_get_event_id (uri)[0], ==, '$');
  via = handset_matrix_uri_get_via (uri);
  g_assert_nonnull (via);

  canonical = handset_matrix_uri_to_string (uri);
  again = handset_matrix_uri_parse (canonical, &error);
  g_assert_no_error (error);
  assert_uri_equal (uri, again);

  return TRUE;
}

static void
test_hostile (void)
{
  static const char *const pieces[] = {
    "matrix:", "MATRIX:",     "https://matrix.to/#/",
    "u/",      "r/",          "roomid/",
    "e/",      "/",           "//",
    ":",       "::",          "[",
    "]",       "%",           "%0",
    "%00",     "%2F",         "%40",
    "%3A",     "%FF",         "%C3",
    "%C3%A9",  "?",           "&",
    "=",       "#",           "@",
    "!",       "$",           "via=",
    "action=", "join",        "call",
    "alice",   "example.org", ":8448",
    "[::1]",   "\xff",        "\xc3",
    "\x01",    "\x7f",        " ",
    "\t",      "é",
  };
  static const char *const fixed[] = {
    "%",
    "%%",
    "%0",
    "matrix:%",
    "matrix:u/%",
    "matrix:u/a%0",
    "matrix:u/a:%",
    "matrix:?",
    "matrix:#",
    "matrix:?&&&=&=",
    "matrix:u/a:b?=",
    "matrix:u/a:b?==&&==",
    "matrix:u/a:[",
    "matrix:u/a:[]",
    "matrix:u/a:[:",
    "matrix:u/a:[::1]:",
    "matrix:u/a:b:",
    "https://",
    "https://matrix.to",
    "https://matrix.to#",
    "https://matrix.to/#",
    "https://matrix.to/#//",
    "https://matrix.to/#/@",
    "https://matrix.to/#/!/$",
    "https://matrix.to/#/!a:b/$?",
    ":",
    "//",
    "#",
    "?",
    "\xff",
    "\x01",
  };
  g_autoptr (GRand) rng = g_rand_new_with_seed (20240601);
  guint accepted = 0;
  guint refused = 0;

  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    check_any_input (fixed[i]);

  /* Links assembled from pieces that matter to the parser. */
  for (guint i = 0; i < 20000; i++)
    {
      g_autoptr (GString) text = g_string_new (NULL);
      guint n = (guint) g_rand_int_range (rng, 1, 12);

      for (guint j = 0; j < n; j++)
        g_string_append (text, pieces[g_rand_int_range (rng, 0, G_N_ELEMENTS (pieces))]);

      check_any_input (text->str);
    }

  /* Good links with a few pieces inserted, bytes removed or bytes changed:
   * close enough to valid that both outcomes come up. */
  for (guint i = 0; i < 20000; i++)
    {
      const ValidCase *c = &valid_cases[g_rand_int_range (rng, 0, G_N_ELEMENTS (valid_cases))];
      g_autoptr (GString) text = g_string_new (c->text);
      guint n = (guint) g_rand_int_range (rng, 1, 4);

      for (guint j = 0; j < n && text->len > 0; j++)
        {
          gsize at = (gsize) g_rand_int_range (rng, 0, (gint32) text->len);

          switch (g_rand_int_range (rng, 0, 3))
            {
              case 0:
                g_string_insert (text, (gssize) at,
                                 pieces[g_rand_int_range (rng, 0, G_N_ELEMENTS (pieces))]);
                break;
              case 1:
                g_string_erase (text, (gssize) at, 1);
                break;
              default:
                text->str[at] = (char) g_rand_int_range (rng, 1, 256);
                break;
            }
        }

      if (check_any_input (text->str))
        accepted++;
      else
        refused++;
    }

  g_test_message ("mutated links: %u accepted, %u refused", accepted, refused);
  g_assert_cmpuint (accepted, >, 1000);
  g_assert_cmpuint (refused, >, 1000);

  /* Random bytes after each prefix. */
  for (guint i = 0; i < 5000; i++)
    {
      g_autoptr (GString) text = g_string_new (i % 2 ? "matrix:" : "https://matrix.to/#/");
      guint n = (guint) g_rand_int_range (rng, 0, 40);

      for (guint j = 0; j < n; j++)
        g_string_append_c (text, (char) g_rand_int_range (rng, 1, 256));

      check_any_input (text->str);
    }
}

static void
test_boxed (void)
{
  g_autoptr (HandsetMatrixUri) uri = NULL;
  g_autoptr (GError) error = NULL;
  HandsetMatrixUri *copy;
  GValue value = G_VALUE_INIT;

  g_assert_true (G_TYPE_IS_BOXED (HANDSET_TYPE_MATRIX_URI));
  g_assert_cmpstr (g_type_name (HANDSET_TYPE_MATRIX_URI), ==, "HandsetMatrixUri");

  uri = handset_matrix_uri_parse ("matrix:u/alice:example.org?via=a.org", &error);
  g_assert_no_error (error);

  /* Copying is sharing: the link never changes once read. */
  copy = g_boxed_copy (HANDSET_TYPE_MATRIX_URI, uri);
  g_assert_true (copy == uri);
  g_boxed_free (HANDSET_TYPE_MATRIX_URI, copy);

  g_value_init (&value, HANDSET_TYPE_MATRIX_URI);
  g_value_set_boxed (&value, uri);
  g_assert_true (g_value_get_boxed (&value) == uri);
  g_value_unset (&value);

  handset_matrix_uri_unref (handset_matrix_uri_ref (uri));
  g_assert_cmpstr (handset_matrix_uri_get_id (uri), ==, "@alice:example.org");
  g_assert_cmpstr (handset_matrix_uri_get_via (uri)[0], ==, "a.org");
  g_assert_null (handset_matrix_uri_get_via (uri)[1]);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/matrix-uri/65-valid", test_valid);
  g_test_add_func ("/matrix-uri/round-trip", test_round_trip);
  g_test_add_func ("/matrix-uri/65-invalid", test_invalid);
  g_test_add_func ("/matrix-uri/message", test_message);
  g_test_add_func ("/matrix-uri/null-input", test_null_input);
  g_test_add_func ("/matrix-uri/id-length", test_id_length);
  g_test_add_func ("/matrix-uri/long-input", test_long_input);
  g_test_add_func ("/matrix-uri/hostile", test_hostile);
  g_test_add_func ("/matrix-uri/boxed", test_boxed);

  return g_test_run ();
}
