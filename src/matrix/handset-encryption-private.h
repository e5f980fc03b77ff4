/* handset-encryption-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The inside of HandsetEncryption, shared by its files: handset-encryption.c
 * (the object, its start, and the key work: upload, query, claim),
 * handset-encryption-incoming.c (decrypting what sync brings) and
 * handset-encryption-outgoing.c (encrypting and sending room events).
 */
#pragma once

#include "handset-crypto-store.h"
#include "handset-encryption.h"
#include "handset-olm.h"

G_BEGIN_DECLS

typedef struct
{
  char *room_id;
  JsonObject *event;
  gint64 received_us; /* of the batch it came in */
  gint64 added_us;
  HandsetEventEncryption encryption; /* once decrypted */
  gboolean refetched;                /* its sender's devices were fetched again for it */
} Pending;

typedef struct
{
  char *room_id;
  char *type;
  JsonObject *content;
  GTask *task;
  gboolean queried;         /* device keys were fetched for it once */
  gboolean members_fetched; /* the room's whole member list was asked for */
} SendJob;

struct _HandsetEncryption
{
  GObject parent_instance;

  HandsetStore *store;
  HandsetSecretStore *secrets;
  HandsetRooms *rooms;
  HandsetMatrixClient *client;
  HandsetCryptoMachine *machine;
  GCancellable *cancellable;

  GQueue pending;     /* Pending, oldest first */
  GHashTable *queues; /* room ID → GQueue of SendJob */
  GHashTable *busy;   /* room IDs whose head job is being prepared */
  gboolean uploading;
  gboolean querying;
  gboolean claiming;
  gboolean need_query; /* a sender's devices must be fetched again */
  gboolean stopped;
  GPtrArray *starting; /* GTasks waiting for the one start in flight */
  gboolean upload_again;
};

enum
{
  SIGNAL_LATE_BATCH,
  SIGNAL_WAITING_FOR_KEYS,
  SIGNAL_KEYS_LOST,
  SIGNAL_KEYS_WITHHELD,
  N_SIGNALS
};

extern guint handset_encryption_signals[N_SIGNALS];

void handset_encryption_pending_free (Pending *pending);
void handset_encryption_send_job_free (SendJob *job);
void handset_encryption_queue_free (GQueue *queue);

/* handset-encryption.c */
void handset_encryption_kick_key_work (HandsetEncryption *self);
void handset_encryption_query_keys (HandsetEncryption *self, GStrv users, GTask *task);

/* handset-encryption-incoming.c */
void handset_encryption_retry_pending (HandsetEncryption *self);

/* handset-encryption-outgoing.c */
void handset_encryption_process_queue (HandsetEncryption *self, const char *room_id);

G_END_DECLS
