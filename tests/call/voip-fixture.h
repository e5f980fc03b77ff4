/* voip-fixture.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the VoIP behaviour tests (test-voip-*.c) share: the room on the
 * fake homeserver, alice's, bob's and carol's devices on it, and helpers
 * to call and to read what was sent.
 */
#pragma once

#include <string.h>

#include "handset-call-manager.h"
#include "handset-fake-clock.h"
#include "handset-fake-homeserver.h"
#include "handset-fake-media.h"
#include "handset-test-util.h"

G_BEGIN_DECLS

#define ALICE "@alice:example.org"
#define BOB   "@bob:example.org"
#define CAROL "@carol:example.org"
#define ROOM  "!room:example.org"
#define ROOM2 "!other:example.org"

typedef HandsetFakeDevice Device;

/* The test's homeserver, between setup() and teardown(). */
extern HandsetFakeHomeserver *net;

void setup (void);
void teardown (void);
Device *add_device (const char *user_id, const char *device_id);
void join_all (void);
void deliver (void);
void deliver_to (Device *device, GPtrArray *events, gboolean initial);
void inject (const char *sender, const char *type, const char *content_json, gint64 age);
JsonObject *room_event (const char *room_id,
                        const char *sender,
                        const char *type,
                        JsonObject *content,
                        gint64 age);
JsonObject *state_event (const char *type, const char *state_key, const char *content_json);
void drain (void);

HandsetCall *place (Device *device, const char *invitee);
HandsetFakeMedia *media_of (Device *device, HandsetCall *call);
guint count_sent (Device *device, const char *type);
JsonObject *last_sent (Device *device, const char *type);
HandsetCall *call_of (Device *device, const char *call_id);
HandsetCallState state_of (Device *device, const char *call_id);
HandsetCall *alice_calls (Device *alice);
char *invite_json (const char *call_id, const char *party_id, gint64 lifetime, const char *invitee);
void check_spec_rules (Device *device);
void connected_call (Device *alice, Device *bob, HandsetCall **a, HandsetCall **b);

/* The fixture of most tests: the room, and alice's and bob's first
 * devices in it (VOIP_TEST_ALICE_BOB), or only the room (VOIP_TEST). */
typedef struct
{
  Device *alice;
  Device *bob;
} VoipFixture;

void voip_setup (VoipFixture *f, gconstpointer data);
void voip_setup_alice_bob (VoipFixture *f, gconstpointer data);
void voip_teardown (VoipFixture *f, gconstpointer data);

#define VOIP_TEST(path, test) g_test_add (path, VoipFixture, NULL, voip_setup, test, voip_teardown)
#define VOIP_TEST_ALICE_BOB(path, test) \
  g_test_add (path, VoipFixture, NULL, voip_setup_alice_bob, test, voip_teardown)

G_END_DECLS
