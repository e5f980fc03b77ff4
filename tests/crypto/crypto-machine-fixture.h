/* crypto-machine-fixture.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the crypto machine tests (test-crypto-machine-*.c) share: devices
 * of alice, bob and carol, each a crypto machine on its own store, with
 * the homeserver played by the test, and helpers to carry keys and
 * messages between them and to read what they make.
 */
#pragma once

#include <sqlite3.h>

#include "handset-crypto-machine.h"
#include "handset-olm.h"

G_BEGIN_DECLS

#define ROOM  "!r:x"
#define ALICE "@alice:x"
#define BOB   "@bob:x"
#define CAROL "@carol:x"

/* What every device's store is opened with. */
extern const guint8 pickle_key[HANDSET_OLM_PICKLE_KEY_SIZE];

/* The clock of machines that the test moves by hand. */
extern gint64 fake_now_us;
gint64 fake_clock (void);

/* JSON */
JsonObject *parse_object (const char *text);
char *object_to_string (JsonObject *object);
JsonObject *copy_object (JsonObject *object);
JsonObject *object_member (JsonObject *object, const char *member);
const char *string_member (JsonObject *object, const char *member);
guint object_size (JsonObject *object);

/* The server */

typedef struct
{
  char *user_id;
  char *device_id;
  sqlite3 *db;
  HandsetCryptoStore *store;
  HandsetCryptoMachine *machine;
  JsonObject *device_keys;   /* as uploaded */
  JsonObject *one_time_keys; /* key ID → signed key: not claimed yet */
  JsonObject *fallback_keys; /* key ID → signed key: the last uploaded */
  gboolean listed;           /* /keys/query names it */
} Device;

typedef struct
{
  gboolean device_keys;
  guint n_one_time_keys;
  gboolean fallback_key;
} Upload;

typedef struct
{
  GPtrArray *devices; /* of Device */
  Device *a1, *b1, *b2, *c1;
  gsize half; /* one-time keys kept on the server: half of what libolm holds */
} Fixture;

extern const char *const bob_and_alice[];
extern const char *const only_alice[];
extern const char *const only_bob[];

Upload upload (Device *d);
HandsetCryptoMachine *open_machine (Device *d, const guint8 *key, GError **error);
Device *device_new (Fixture *f, const char *user_id, const char *device_id);
JsonObject *query_answer (Fixture *f, const char *const *users);
void learn_devices (Fixture *f, Device *to, const char *const *users);
guint claim_keys (Fixture *f, Device *from, const char *const *users, gboolean fallback);
JsonObject *message_for (JsonObject *messages, Device *d);
JsonObject *to_device_event (const char *sender, JsonObject *content);
JsonObject *deliver (Device *to, Device *from, JsonObject *messages, GError **error);
char *receive_room_key (Device *to, Device *from, JsonObject *messages);
JsonObject *invite_content (const char *call_id);
JsonObject *encrypt_event (Device *from, const char *type, JsonObject *content);
JsonObject *room_event (const char *sender, JsonObject *content, const char *event_id, gint64 ts);
JsonObject *
share (Device *from, const char *const *users, const HandsetRoomEncryptionSettings *settings);
char *alice_shares_with_bob (Fixture *f, const HandsetRoomEncryptionSettings *settings);
void assert_room_error (Device *d, const char *room_id, JsonObject *event, GQuark domain, int code);
void assert_room_ok (Device *d, JsonObject *event);
JsonObject *b1_part (Fixture *f, JsonObject *content);
void assert_to_device_error (Device *d, JsonObject *event, int code);

/* alice's A1, bob's B1 and B2, each with its first upload made; and
 * carol's C1 when the test is added with ADD_CAROL(). */
void fixture_set_up (Fixture *f, gconstpointer data);
void fixture_tear_down (Fixture *f, gconstpointer data);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
#define ADD_CAROL(path, func) \
  g_test_add (path, Fixture, "carol", fixture_set_up, func, fixture_tear_down)

G_END_DECLS
