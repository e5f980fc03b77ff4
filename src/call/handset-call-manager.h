/* handset-call-manager.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "handset-call-invitation.h"
#include "handset-call.h"
#include "handset-devices.h"
#include "handset-encryption.h"
#include "handset-matrix-client.h"
#include "handset-rooms.h"
#include "handset-sync-batch.h"

G_BEGIN_DECLS

/* At most this many incoming calls ring at once; another is refused as
 * busy (a flood of invites must not ring on and on). */
#define HANDSET_CALL_MANAGER_MAX_RINGING 4

#define HANDSET_TYPE_CALL_MANAGER (handset_call_manager_get_type ())
G_DECLARE_FINAL_TYPE (HandsetCallManager, handset_call_manager, HANDSET, CALL_MANAGER, GObject)

HandsetCallManager *handset_call_manager_new (const char *own_user_id,
                                              const char *own_device_id,
                                              HandsetRooms *rooms,
                                              HandsetClock *clock,
                                              HandsetMediaFactory media_factory,
                                              gpointer media_factory_data);

void handset_call_manager_set_client (HandsetCallManager *self, HandsetMatrixClient *client);
void handset_call_manager_set_encryption (HandsetCallManager *self, HandsetEncryption *encryption);
void handset_call_manager_waiting_for_keys (HandsetCallManager *self,
                                            const char *room_id,
                                            const char *sender);
void handset_call_manager_set_devices (HandsetCallManager *self, HandsetDevices *devices);
void handset_call_manager_set_only_verified (HandsetCallManager *self, gboolean only);
void handset_call_manager_set_hide_device (HandsetCallManager *self, gboolean hide_device);
void handset_call_manager_set_ring_in_public_rooms (HandsetCallManager *self, gboolean ring);
void handset_call_manager_set_prepare_answers (HandsetCallManager *self,
                                               gboolean prepare,
                                               gboolean connect);

void handset_call_manager_handle_batch (HandsetCallManager *self, HandsetSyncBatch *batch);

void handset_call_manager_accept_invitation (HandsetCallManager *self,
                                             HandsetCallInvitation *invitation,
                                             gboolean video);
void handset_call_manager_decline_invitation (HandsetCallManager *self,
                                              HandsetCallInvitation *invitation);
GPtrArray *handset_call_manager_get_invitations (HandsetCallManager *self);

HandsetCall *handset_call_manager_place_call (HandsetCallManager *self,
                                              const char *room_id,
                                              const char *invitee,
                                              gboolean video,
                                              GError **error);
HandsetCall *handset_call_manager_lookup (HandsetCallManager *self, const char *call_id);
GPtrArray *handset_call_manager_get_calls (HandsetCallManager *self);
HandsetCall *handset_call_manager_get_active_call (HandsetCallManager *self);
HandsetCall *handset_call_manager_get_busy_call (HandsetCallManager *self, HandsetCall *except);
char *handset_call_manager_new_party_id (HandsetCallManager *self);
void handset_call_manager_hang_up_all_async (HandsetCallManager *self,
                                             guint timeout_ms,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data);
gboolean handset_call_manager_hang_up_all_finish (HandsetCallManager *self, GAsyncResult *result);

G_END_DECLS
