/* handset-session.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "handset-account.h"
#include "handset-call-history.h"
#include "handset-call-manager.h"
#include "handset-contact-list.h"
#include "handset-devices.h"
#include "handset-media-cache.h"
#include "handset-media-devices.h"
#include "handset-recovery.h"
#include "handset-rooms.h"
#include "handset-rtc-rings.h"
#include "handset-ringtone.h"
#include "handset-turn.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_SESSION (handset_session_get_type ())
G_DECLARE_FINAL_TYPE (HandsetSession, handset_session, HANDSET, SESSION, GObject)

HandsetSession *handset_session_new (HandsetAccount *account, HandsetMediaDevices *media_devices);

void handset_session_start (HandsetSession *self);
void handset_session_stop (HandsetSession *self);

HandsetAccount *handset_session_get_account (HandsetSession *self);
gboolean handset_session_get_ready (HandsetSession *self);
HandsetRooms *handset_session_get_rooms (HandsetSession *self);
HandsetContactList *handset_session_get_contacts (HandsetSession *self);
HandsetCallManager *handset_session_get_call_manager (HandsetSession *self);
HandsetMediaDevices *handset_session_get_media_devices (HandsetSession *self);
HandsetRtcRings *handset_session_get_rtc_rings (HandsetSession *self);
HandsetDevices *handset_session_get_devices (HandsetSession *self);
HandsetTurn *handset_session_get_turn (HandsetSession *self);
HandsetCallHistory *handset_session_get_history (HandsetSession *self);
HandsetEncryption *handset_session_get_encryption (HandsetSession *self);
HandsetRecovery *handset_session_get_recovery (HandsetSession *self);
const char *handset_session_get_encryption_error (HandsetSession *self);
HandsetMediaCache *handset_session_get_media_cache (HandsetSession *self);
char *
handset_session_peer_avatar_url (HandsetSession *self, const char *user_id, const char *room_id);
char *handset_session_peer_name (HandsetSession *session, const char *user_id);

HandsetRingtone *handset_session_make_ringtone (HandsetSession *self);
void handset_session_set_relay_only (HandsetSession *self, gboolean relay_only);
void handset_session_set_audio_processing (HandsetSession *self,
                                           gboolean echo_cancellation,
                                           gboolean noise_suppression,
                                           gboolean gain_control);
void
handset_session_set_fallback_relay (HandsetSession *self, const char *uri, const char *username);
void handset_session_set_hide_device (HandsetSession *self, gboolean hide_device);
void handset_session_set_connect_while_ringing (HandsetSession *self, gboolean connect);
void handset_session_set_ring_in_public_rooms (HandsetSession *self, gboolean ring);
void handset_session_set_only_verified (HandsetSession *self, gboolean only);
void handset_session_accept_identity (HandsetSession *self, const char *user_id);
void handset_session_set_preferred_devices (HandsetSession *self,
                                            const char *microphone,
                                            const char *speaker,
                                            const char *camera);

void handset_session_place_call_async (HandsetSession *self,
                                       const char *target,
                                       gboolean video,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
HandsetCall *
handset_session_place_call_finish (HandsetSession *self, GAsyncResult *result, GError **error);

void handset_session_answer_async (HandsetSession *self,
                                   HandsetCall *call,
                                   HandsetCallInvitation *invitation,
                                   gboolean video,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean handset_session_answer_finish (HandsetSession *self, GAsyncResult *result, GError **error);

G_END_DECLS
