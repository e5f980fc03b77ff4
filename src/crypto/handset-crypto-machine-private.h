/* handset-crypto-machine-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The crypto machine's state, shared by the files it is made of:
 * handset-crypto-machine.c (the machine, its store), handset-crypto-own-keys.c
 * (this device's keys, published), handset-crypto-devices.c (other users'
 * devices and identities), handset-crypto-olm-sessions.c (Olm sessions,
 * to-device messages) and handset-crypto-megolm.c (room keys and room
 * events). Nothing else includes this.
 */
#pragma once

#include "handset-crypto-machine.h"
#include "handset-olm.h"

G_BEGIN_DECLS

/* The store's value that says the device keys were published. */
#define KEY_DEVICE_KEYS_SENT "device-keys-uploaded"

typedef struct
{
  HandsetOlmSession *session;
  gint64 last_used;
} OlmEntry;

typedef struct
{
  HandsetMegolmInbound *session;
  char *room_id;
  char *sender_key;
  char *sender_user;
  char *signing_key;
} InboundEntry;

/* A user's cross-signing identity, public keys only. */
typedef struct
{
  char *master;            /* ed25519 */
  char *self_signing;      /* ed25519, signed by master; NULL when none */
  char *user_signing;      /* ed25519, signed by master; only ours is published */
  JsonObject *master_json; /* as published, with the signatures on it */
  gboolean changed;        /* the master key is not the one first seen */
} Identity;

typedef struct
{
  HandsetMegolmOutbound *session;
  gint64 created;
  guint messages;
  GHashTable *shared_with; /* "user device" → curve25519 key */
} OutboundEntry;

struct _HandsetCryptoMachine
{
  GObject parent_instance;

  char *user_id;
  char *device_id;
  HandsetCryptoStore *store;
  guint8 pickle_key[HANDSET_OLM_PICKLE_KEY_SIZE];
  gint64 (*now_us) (void);

  HandsetOlmAccount *account;
  gboolean is_new;
  gboolean device_keys_uploaded;
  gint64 one_time_key_count; /* on the server; -1 before sync said */
  gboolean need_fallback_key;

  GHashTable *olm_sessions;    /* curve25519 → GPtrArray of OlmEntry, newest use last */
  GHashTable *devices;         /* user → (device ID → HandsetDeviceKeys) */
  GHashTable *gone;            /* "user device" → HandsetDeviceKeys of deleted devices */
  GHashTable *querying;        /* user → GINT (changed while a query was out) */
  GHashTable *identities;      /* user → Identity */
  gint64 fallback_rotated;     /* when a new fallback key was last made */
  GHashTable *tracked;         /* user → GINT_TO_POINTER (outdated) */
  GHashTable *inbound;         /* "room session" → InboundEntry */
  GHashTable *outbound;        /* room → OutboundEntry */
  GHashTable *indices;         /* "session index" → "event_id ts" */
  GHashTable *unwedged;        /* curve25519 → last unwedge time */
  GHashTable *unwedge_pending; /* curve25519 → TRUE: claim a new session */
  GHashTable *claim_failed;    /* curve25519 → time of a claim without a key */
  JsonObject *unwedge_out;     /* m.dummy to-device messages to send */

  gboolean only_cross_signed; /* room keys only for devices their owner signed */
  GHashTable *withheld;       /* "room session" → the code its sender gave */
  GHashTable *refusing;       /* "user curve25519" → TRUE: withholds from unverified us */
};

JsonObject *handset_crypto_ensure_object (JsonObject *object, const char *member);
char *handset_crypto_object_to_string (JsonObject *object);
JsonObject *handset_crypto_object_from_string (const char *text);
char *handset_crypto_device_slot (const char *user_id, const char *device_id);
HandsetDeviceKeys *handset_crypto_machine_find_device_by_key (HandsetCryptoMachine *self,
                                                              const char *user_id,
                                                              const char *curve25519);
void handset_crypto_machine_olm_entry_free (OlmEntry *entry);
void handset_crypto_machine_save_account (HandsetCryptoMachine *self);
void handset_crypto_machine_save_inbound (HandsetCryptoMachine *self, InboundEntry *entry);
void handset_crypto_machine_save_outbound (HandsetCryptoMachine *self,
                                           const char *room_id,
                                           OutboundEntry *entry);
void handset_crypto_machine_receive_room_key (HandsetCryptoMachine *self,
                                              const char *sender,
                                              const char *sender_key,
                                              const char *ed25519,
                                              JsonObject *content);

G_END_DECLS
