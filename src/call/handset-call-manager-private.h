/* handset-call-manager-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The inside of the call manager, shared by the files that make it up:
 * the object and its list of calls (handset-call-manager.c), placing
 * calls (handset-call-manager-place.c), sending (handset-call-manager-send.c),
 * the batches read and their events routed (handset-call-manager-routing.c),
 * invites, glare and ringing (handset-call-manager-incoming.c), invitations
 * (handset-call-manager-invitations.c) and naming the devices that answer
 * (handset-call-manager-devices.c).
 */
#pragma once

#include "handset-call-manager.h"

G_BEGIN_DECLS

struct _HandsetCallManager
{
  GObject parent_instance;

  char *own_user_id;
  char *own_device_id;
  HandsetRooms *rooms;
  HandsetClock *clock;
  HandsetMatrixClient *client;
  HandsetEncryption *encryption;
  gboolean only_verified; /* calls only with devices their owner cross-signed */
  HandsetDevices *devices;
  HandsetMediaFactory media_factory;
  gpointer media_factory_data;
  gboolean hide_device;
  gboolean ring_in_public_rooms;
  /* Answers made while calls ring (and connecting then, if allowed). */
  gboolean prepare_answers;
  gboolean connect_while_ringing;

  GPtrArray *calls;        /* HandsetCall, oldest first */
  GHashTable *calls_by_id; /* call ID → HandsetCall */
  GHashTable *early;       /* call ID → GPtrArray of HandsetCallEvent (candidates) */
  GQueue early_order;      /* call IDs, oldest first */
  GPtrArray *invitations;  /* HandsetCallInvitation, oldest first */
  GHashTable *invited;     /* room IDs whose invitation was seen */
  GHashTable *answering;   /* room ID → HandsetCallInvitation being answered */
  GHashTable *ended_ids;   /* IDs of ended calls no longer kept, so their events stay dead */
  GQueue ended_order;      /* the same IDs, oldest first */
  guint sending;           /* call events on their way to the homeserver, or held */
  /* HandsetCall → its invite, answer or negotiate on their way (a count),
   * and → its candidates events held until they are sent (GPtrArray of
   * JsonObject); see handset-call-manager-send.c. */
  GHashTable *describing;
  GHashTable *held_candidates;
  GPtrArray *flushing; /* GTask of handset_call_manager_hang_up_all_async() */
};

enum
{
  SIGNAL_CALL_ADDED,
  SIGNAL_INCOMING_CALL,
  SIGNAL_SEND_EVENT,
  SIGNAL_INCOMING_INVITATION,
  SIGNAL_INVITATION_ANSWERED,
  N_SIGNALS
};

extern guint handset_call_manager_signals[N_SIGNALS];

/* An incoming call of this batch, to ring (or answer) once the batch is
 * read. */
typedef struct
{
  HandsetCall *call;
  gboolean auto_answer;
  gboolean video;
} Pending;

HandsetPeerTrust handset_call_manager_peer_trust (const HandsetEventEncryption *encryption);
gboolean handset_call_manager_room_is_encrypted (HandsetCallManager *self, const char *room_id);
void handset_call_manager_add_call (HandsetCallManager *self, HandsetCall *call);
void handset_call_manager_prune_ended (HandsetCallManager *self);
gboolean handset_call_manager_is_forgotten (HandsetCallManager *self, const char *call_id);

void handset_call_manager_send_event_cb (HandsetCall *call,
                                         int type,
                                         JsonObject *content,
                                         HandsetCallManager *self);
void handset_call_manager_answered_by_cb (HandsetCall *call,
                                          GParamSpec *pspec,
                                          HandsetCallManager *self);

void handset_call_manager_keep_early (HandsetCallManager *self, HandsetCallEvent *event);
void handset_call_manager_apply_early (HandsetCallManager *self, HandsetCall *call);

void handset_call_manager_handle_invite (HandsetCallManager *self,
                                         HandsetCallEvent *invite,
                                         const HandsetEventEncryption *encryption,
                                         GPtrArray *pending);
void handset_call_manager_pending_free (Pending *pending);
void handset_call_manager_ring_pending (HandsetCallManager *self, GPtrArray *pending);

gboolean handset_call_manager_answer_invited (HandsetCallManager *self, HandsetCall *call);
void handset_call_manager_watch_invitations (HandsetCallManager *self, HandsetSyncBatch *batch);

G_END_DECLS
