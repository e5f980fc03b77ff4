/* test-call-invitation.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Someone new's call, as their invitation's stripped state shows it: it
 * rings only when the room was made for a call by the one who invited us,
 * and while a call invite would still live.
 */

#include "config.h"

#include "handset-call-invitation.h"

#define ME    "@bob:example.org"
#define ALICE "@alice:example.org"
#define EVE   "@eve:example.org"

static GPtrArray *
state (const char *creator, const char *mark, const char *inviter, const char *membership, int age)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autofree char *create = g_strdup_printf (
      "{\"type\": \"m.room.create\", \"state_key\": \"\", \"sender\": \"%s\", \"content\": {%s}}",
      creator, mark ? mark : "");
  g_autofree char *member = g_strdup_printf (
      "{\"type\": \"m.room.member\", \"state_key\": \"%s\", \"sender\": \"%s\","
      " \"content\": {\"membership\": \"%s\", \"is_direct\": true}, \"unsigned\": {\"age\": %d}}",
      ME, inviter, membership, age);
  const char *texts[] = { create, member };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr (JsonNode) node = json_from_string (texts[i], NULL);

      g_assert_nonnull (node);
      g_ptr_array_add (events, json_object_ref (json_node_get_object (node)));
    }

  return events;
}

#define MARK       "\"" HANDSET_CALL_INVITATION_MARK "\": {\"video\": true}"
#define AUDIO_MARK "\"" HANDSET_CALL_INVITATION_MARK "\": {}"

static void
test_rings (void)
{
  g_autoptr (GPtrArray) events = state (ALICE, MARK, ALICE, "invite", 2000);
  g_autoptr (HandsetCallInvitation) invitation =
      handset_call_invitation_parse ("!r:example.org", events, ME, 90000);
  g_autoptr (GPtrArray) audio = state (ALICE, AUDIO_MARK, ALICE, "invite", 0);
  g_autoptr (HandsetCallInvitation) audio_invitation =
      handset_call_invitation_parse ("!r:example.org", audio, ME, 90000);
  g_autoptr (JsonObject) mark = handset_call_invitation_build_mark (TRUE);

  g_assert_nonnull (invitation);
  g_assert_cmpstr (handset_call_invitation_get_inviter (invitation), ==, ALICE);
  g_assert_cmpstr (handset_call_invitation_get_room_id (invitation), ==, "!r:example.org");
  g_assert_true (handset_call_invitation_get_video (invitation));
  g_assert_cmpint (handset_call_invitation_get_remaining_ms (invitation), >, 85000);
  g_assert_cmpint (handset_call_invitation_get_remaining_ms (invitation), <=, 88000);
  g_assert_cmpint (handset_call_invitation_get_state (invitation), ==,
                   HANDSET_CALL_INVITATION_RINGING);
  g_assert_nonnull (audio_invitation);
  g_assert_false (handset_call_invitation_get_video (audio_invitation));
  /* What the caller puts in m.room.create is what is read. */
  g_assert_true (json_object_get_boolean_member (
      json_object_get_object_member (mark, HANDSET_CALL_INVITATION_MARK), "video"));
}

static void
test_does_not_ring (void)
{
  struct
  {
    const char *why;
    const char *creator, *mark, *inviter, *membership;
    int age;
  } cases[] = {
    { "no mark: a chat, not a call", ALICE, NULL, ALICE, "invite", 1000 },
    { "marked by someone else than the inviter", EVE, MARK, ALICE, "invite", 1000 },
    { "as old as a call invite lives", ALICE, MARK, ALICE, "invite", 90000 },
    { "no age, no time", ALICE, MARK, ALICE, "invite", -1 },
    { "not an invitation", ALICE, MARK, ALICE, "join", 1000 },
    { "a mark that is not an object", ALICE, "\"" HANDSET_CALL_INVITATION_MARK "\": true", ALICE,
      "invite", 1000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GPtrArray) events = state (cases[i].creator, cases[i].mark, cases[i].inviter,
                                            cases[i].membership, cases[i].age);
      g_autoptr (HandsetCallInvitation) invitation = NULL;

      if (cases[i].age < 0)
        json_object_remove_member (g_ptr_array_index (events, 1), "unsigned");
      invitation = handset_call_invitation_parse ("!r:example.org", events, ME, 90000);
      g_test_message ("%s", cases[i].why);
      g_assert_null (invitation);
    }
  g_assert_null (handset_call_invitation_parse ("!r:example.org", NULL, ME, 90000));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/call-invitation/rings", test_rings);
  g_test_add_func ("/call-invitation/does-not-ring", test_does_not_ring);

  return g_test_run ();
}
