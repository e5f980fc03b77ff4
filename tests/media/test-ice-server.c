/* test-ice-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The fallback relay server's address, as a person types it: what is kept
 * and what is refused with a reason, and the STUN address webrtcbin gets.
 */

#include "config.h"

#include "handset-ice-server.h"

static void
test_accepted (void)
{
  struct
  {
    const char *uri;
    HandsetIceServerKind kind;
  } cases[] = {
    { "stun:stun.example.org", HANDSET_ICE_SERVER_STUN },
    { "stun:stun.example.org:19302", HANDSET_ICE_SERVER_STUN },
    { "stun:127.0.0.1:3478", HANDSET_ICE_SERVER_STUN },
    { "stun:[::1]:3478", HANDSET_ICE_SERVER_STUN },
    { "turn:turn.example.org", HANDSET_ICE_SERVER_TURN },
    { "turn:turn.example.org:3478?transport=udp", HANDSET_ICE_SERVER_TURN },
    { "turn:turn.example.org:3478?transport=tcp", HANDSET_ICE_SERVER_TURN },
    { "turns:turn.example.org:5349", HANDSET_ICE_SERVER_TURN },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      HandsetIceServerKind kind = 99;

      g_test_message ("%s", cases[i].uri);
      g_assert_true (handset_ice_server_parse (cases[i].uri, &kind, &error));
      g_assert_no_error (error);
      g_assert_cmpint (kind, ==, cases[i].kind);
    }
}

static void
test_refused (void)
{
  const char *cases[] = {
    "",
    "turn.example.org",
    "http://turn.example.org",
    "stun:",
    "turn::3478",
    "turn:turn.example.org:",
    "turn:turn.example.org:0",
    "turn:turn.example.org:65536",
    "turn:turn.example.org:34x8",
    "turn:user:pass@turn.example.org",
    "turn:turn example.org",
    "turn:turn.example.org:3478?transport=sctp",
    "stun:stun.example.org?transport=udp",
    "stun:[::1",
    "stun:<b>x</b>",
  };
  g_autofree char *long_uri = g_strnfill (600, 'a');
  g_autofree char *too_long = g_strconcat ("turn:", long_uri, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;

      g_test_message ("%s", cases[i]);
      g_assert_false (handset_ice_server_parse (cases[i], NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_cmpstr (error->message, !=, "");
    }
  g_assert_false (handset_ice_server_parse (too_long, NULL, NULL));
  g_assert_false (handset_ice_server_parse (NULL, NULL, NULL));
}

static void
test_stun_uri (void)
{
  g_autofree char *plain = handset_ice_server_stun_uri ("stun:stun.example.org");
  g_autofree char *port = handset_ice_server_stun_uri ("stun:stun.example.org:19302");
  g_autofree char *v6 = handset_ice_server_stun_uri ("stun:[::1]");
  g_autofree char *turn = handset_ice_server_stun_uri ("turn:turn.example.org");

  /* The default port of RFC 7064 when none is given. */
  g_assert_cmpstr (plain, ==, "stun://stun.example.org:3478");
  g_assert_cmpstr (port, ==, "stun://stun.example.org:19302");
  g_assert_cmpstr (v6, ==, "stun://[::1]:3478");
  g_assert_null (turn);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ice-server/accepted", test_accepted);
  g_test_add_func ("/ice-server/refused", test_refused);
  g_test_add_func ("/ice-server/stun-uri", test_stun_uri);

  return g_test_run ();
}
