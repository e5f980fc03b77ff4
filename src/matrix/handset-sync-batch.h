/* handset-sync-batch.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  HANDSET_MEMBERSHIP_JOIN,
  HANDSET_MEMBERSHIP_INVITE,
  HANDSET_MEMBERSHIP_LEAVE,
} HandsetMembership;

/**
 * HandsetSyncRoom:
 * @room_id: the room
 * @membership: our membership, as the section of the response it came in
 * @state: (element-type JsonObject): state events before the timeline, or
 *   the stripped state of an invite
 * @timeline: (element-type JsonObject): timeline events, in order; each
 *   keeps its `unsigned.age`
 * @limited: whether the timeline has a gap before its first event
 * @joined_count: the summary's `m.joined_member_count`, -1 when left out
 * @invited_count: the summary's `m.invited_member_count`, -1 when left out
 *
 * One room's part of a sync response. Read-only.
 */
typedef struct
{
  char *room_id;
  HandsetMembership membership;
  GPtrArray *state;
  GPtrArray *timeline;
  gboolean limited;
  gint64 joined_count;
  gint64 invited_count;
} HandsetSyncRoom;

/**
 * HandsetEventEncryption:
 * @encrypted: the event came as m.room.encrypted and was decrypted
 * @sender_device: (nullable): the device that sent it, when known
 * @device_known: @sender_device's keys are known and match the key the
 *   event was encrypted with
 * @cross_signed: its owner signed the sender's device (cross-signing)
 * @user_verified: we verified the sender (our user-signing key signed
 *   their master key)
 * @identity_changed: the sender's identity (master key) changed since it
 *   was first seen
 */
typedef struct
{
  gboolean encrypted;
  char *sender_device;
  gboolean device_known;
  gboolean cross_signed;
  gboolean user_verified;
  gboolean identity_changed;
} HandsetEventEncryption;

#define HANDSET_TYPE_SYNC_BATCH (handset_sync_batch_get_type ())

typedef struct _HandsetSyncBatch HandsetSyncBatch;

GType handset_sync_batch_get_type (void) G_GNUC_CONST;

HandsetSyncBatch *handset_sync_batch_new_from_bytes (GBytes *bytes,
                                                     const char *since,
                                                     gint64 received_us,
                                                     GError **error);
HandsetSyncBatch *handset_sync_batch_new_late (gint64 received_us);
void handset_sync_batch_add_late_event (HandsetSyncBatch *self,
                                        const char *room_id,
                                        JsonObject *event,
                                        const HandsetEventEncryption *encryption);
HandsetSyncBatch *handset_sync_batch_ref (HandsetSyncBatch *self);
void handset_sync_batch_unref (HandsetSyncBatch *self);

const char *handset_sync_batch_get_next_batch (HandsetSyncBatch *self);
const char *handset_sync_batch_get_since (HandsetSyncBatch *self);
gboolean handset_sync_batch_is_initial (HandsetSyncBatch *self);
gint64 handset_sync_batch_get_received_time (HandsetSyncBatch *self);
guint handset_sync_batch_get_n_rooms (HandsetSyncBatch *self);
const HandsetSyncRoom *handset_sync_batch_get_room (HandsetSyncBatch *self, guint index);
GPtrArray *handset_sync_batch_get_account_data (HandsetSyncBatch *self);
GPtrArray *handset_sync_batch_get_to_device (HandsetSyncBatch *self);
guint handset_sync_batch_get_n_events (HandsetSyncBatch *self);
void
handset_sync_batch_get_device_lists (HandsetSyncBatch *self, JsonArray **changed, JsonArray **left);
void handset_sync_batch_get_key_counts (HandsetSyncBatch *self,
                                        JsonObject **counts,
                                        JsonArray **unused_fallback);
void handset_sync_batch_set_encryption (HandsetSyncBatch *self,
                                        JsonObject *event,
                                        const HandsetEventEncryption *encryption);
void handset_sync_batch_replace_event (HandsetSyncBatch *self,
                                       GPtrArray *timeline,
                                       guint index,
                                       JsonObject *decrypted,
                                       const HandsetEventEncryption *encryption);
const HandsetEventEncryption *handset_sync_batch_get_encryption (HandsetSyncBatch *self,
                                                                 JsonObject *event);
guint handset_sync_batch_get_n_dropped (HandsetSyncBatch *self);

gint64 handset_event_get_age (JsonObject *event);
const char *handset_event_get_string (JsonObject *object, const char *member);
JsonObject *handset_event_get_object (JsonObject *object, const char *member);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HandsetSyncBatch, handset_sync_batch_unref)

G_END_DECLS
