/* handset-media.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include <string.h>

#include "handset-media.h"

G_DEFINE_INTERFACE (HandsetMedia, handset_media, G_TYPE_OBJECT)

static void
handset_media_default_init (HandsetMediaInterface *iface)
{
  /**
   * HandsetMedia::local-candidate:
   * @candidate: a candidate that is in no local description yet
   */
  g_signal_new ("local-candidate", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                NULL, G_TYPE_NONE, 1, HANDSET_TYPE_ICE_CANDIDATE);
  g_signal_new ("gathering-done", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                NULL, G_TYPE_NONE, 0);
  /**
   * HandsetMedia::ice-state-changed:
   * @state: a #HandsetIceState
   */
  g_signal_new ("ice-state-changed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL,
                NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  /**
   * HandsetMedia::device-failed:
   * @device: a #HandsetCallDevice: the microphone, speaker or camera
   * @message: what went wrong, in words
   */
  g_signal_new ("device-failed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_STRING);
  /**
   * HandsetMedia::stats-changed:
   *
   * New statistics are in: see handset_media_get_stats().
   */
  g_signal_new ("stats-changed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                NULL, G_TYPE_NONE, 0);
  /**
   * HandsetMedia::video-frame:
   * @width: in pixels
   * @height: in pixels
   * @stride: bytes per row
   * @pixels: RGBA
   *
   * A frame of the remote video, to show; emitted from a streaming
   * thread.
   */
  g_signal_new ("video-frame", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                NULL, G_TYPE_NONE, 4, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT, G_TYPE_BYTES);
  /**
   * HandsetMedia::preview-frame:
   * @width: in pixels
   * @height: in pixels
   * @stride: bytes per row
   * @pixels: RGBA
   *
   * A small frame of the video being sent, for a preview; emitted from a
   * streaming thread.
   */
  g_signal_new ("preview-frame", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                NULL, G_TYPE_NONE, 4, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT, G_TYPE_BYTES);
  /**
   * HandsetMedia::dtmf-received:
   * @tone: the key the peer pressed, one of `0123456789*#ABCD`
   *
   * An RFC 4733 telephone-event came in; emitted on the main context,
   * once per key press.
   */
  /**
   * HandsetMedia::screenshare-frame:
   * @width: in pixels
   * @height: in pixels
   * @stride: bytes per row
   * @pixels: RGBA
   *
   * A frame of the peer's screen share (a stream named with
   * handset_media_set_screenshare_streams()), to show; emitted from a
   * streaming thread.
   */
  g_signal_new ("screenshare-frame", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL,
                NULL, NULL, G_TYPE_NONE, 4, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT, G_TYPE_BYTES);
  g_signal_new ("dtmf-received", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * HandsetMedia::screenshare-ended:
   * @reason: why, in words for the person
   *
   * Our screen share ended without being asked to: the desktop stopped
   * it, or the screen could no longer be read. The screen is closed, as
   * by handset_media_stop_screenshare(); emitted on the main context.
   */
  g_signal_new ("screenshare-ended", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL,
                NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

void
handset_media_create_offer (HandsetMedia *self,
                            gboolean ice_restart,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  HANDSET_MEDIA_GET_IFACE (self)->create_offer (self, ice_restart, cancellable, callback,
                                                user_data);
}

/**
 * handset_media_create_offer_finish:
 *
 * Returns: (transfer full): the offer's SDP
 */
char *
handset_media_create_offer_finish (HandsetMedia *self, GAsyncResult *result, GError **error)
{
  return HANDSET_MEDIA_GET_IFACE (self)->create_offer_finish (self, result, error);
}

void
handset_media_create_answer (HandsetMedia *self,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  HANDSET_MEDIA_GET_IFACE (self)->create_answer (self, cancellable, callback, user_data);
}

/**
 * handset_media_create_answer_finish:
 *
 * Returns: (transfer full): the answer's SDP
 */
char *
handset_media_create_answer_finish (HandsetMedia *self, GAsyncResult *result, GError **error)
{
  return HANDSET_MEDIA_GET_IFACE (self)->create_answer_finish (self, result, error);
}

void
handset_media_set_remote_description (HandsetMedia *self,
                                      const char *type,
                                      const char *sdp,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  HANDSET_MEDIA_GET_IFACE (self)->set_remote_description (self, type, sdp, cancellable, callback,
                                                          user_data);
}

gboolean
handset_media_set_remote_description_finish (HandsetMedia *self,
                                             GAsyncResult *result,
                                             GError **error)
{
  return HANDSET_MEDIA_GET_IFACE (self)->set_remote_description_finish (self, result, error);
}

void
handset_media_rollback (HandsetMedia *self)
{
  HANDSET_MEDIA_GET_IFACE (self)->rollback (self);
}

void
handset_media_add_remote_candidate (HandsetMedia *self, const HandsetIceCandidate *candidate)
{
  HANDSET_MEDIA_GET_IFACE (self)->add_remote_candidate (self, candidate);
}

void
handset_media_set_muted (HandsetMedia *self, gboolean muted)
{
  HANDSET_MEDIA_GET_IFACE (self)->set_muted (self, muted);
}

void
handset_media_set_local_hold (HandsetMedia *self, gboolean hold)
{
  HANDSET_MEDIA_GET_IFACE (self)->set_local_hold (self, hold);
}

void
handset_media_set_video (HandsetMedia *self, gboolean video)
{
  HANDSET_MEDIA_GET_IFACE (self)->set_video (self, video);
}

const char *
handset_media_get_stream_id (HandsetMedia *self)
{
  return HANDSET_MEDIA_GET_IFACE (self)->get_stream_id (self);
}

/**
 * handset_media_set_shown_streams:
 * @stream_ids: (nullable) (array zero-terminated=1): the peer's
 *   `m.usermedia` msid stream IDs; %NULL when it sent no metadata
 *
 * Which of the peer's streams to play and show (§17 #60, #61 in docs/voip-behaviours.md): the
 * others are received and dropped.
 */
void
handset_media_set_shown_streams (HandsetMedia *self, const char *const *stream_ids)
{
  if (HANDSET_MEDIA_GET_IFACE (self)->set_shown_streams != NULL)
    HANDSET_MEDIA_GET_IFACE (self)->set_shown_streams (self, stream_ids);
}

void
handset_media_close (HandsetMedia *self)
{
  HANDSET_MEDIA_GET_IFACE (self)->close (self);
}

/**
 * handset_media_get_stats:
 * @stats: (out caller-allocates): filled in; zeros where nothing is known
 */
void
handset_media_get_stats (HandsetMedia *self, HandsetMediaStats *stats)
{
  HandsetMediaInterface *iface = HANDSET_MEDIA_GET_IFACE (self);

  memset (stats, 0, sizeof *stats);
  if (iface->get_stats != NULL)
    iface->get_stats (self, stats);
}

/**
 * handset_media_has_relay:
 *
 * Returns: whether a relay (TURN) server was there for the call to go
 *   through, when no direct path is found; %TRUE when the media cannot
 *   tell
 */
gboolean
handset_media_has_relay (HandsetMedia *self)
{
  HandsetMediaInterface *iface = HANDSET_MEDIA_GET_IFACE (self);

  return iface->has_relay == NULL || iface->has_relay (self);
}

/**
 * handset_media_send_dtmf:
 * @tones: the keys pressed, from `0123456789*#ABCD`
 *
 * Sends @tones as RFC 4733 telephone-events in the audio stream, one
 * after the other, as a keypad does: what calls through a telephone
 * bridge need to get past voice menus.
 *
 * Returns: whether they were queued; if not, @error says why
 */
gboolean
handset_media_send_dtmf (HandsetMedia *self, const char *tones, GError **error)
{
  HandsetMediaInterface *iface = HANDSET_MEDIA_GET_IFACE (self);

  if (tones == NULL || *tones == '\0' || strspn (tones, "0123456789*#ABCD") != strlen (tones))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Only 0-9, *, # and A-D can be sent as tones");
      return FALSE;
    }
  if (iface->send_dtmf == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "This call's media cannot send tones");
      return FALSE;
    }

  return iface->send_dtmf (self, tones, error);
}

/**
 * handset_media_can_send_dtmf:
 *
 * Returns: whether these media can send tones at all (whether the peer
 *   takes them is known only once its description is in)
 */
gboolean
handset_media_can_send_dtmf (HandsetMedia *self)
{
  return HANDSET_MEDIA_GET_IFACE (self)->send_dtmf != NULL;
}

/**
 * handset_media_can_share_screen:
 *
 * Returns: whether these media can send a screen share at all
 */
gboolean
handset_media_can_share_screen (HandsetMedia *self)
{
  return HANDSET_MEDIA_GET_IFACE (self)->start_screenshare != NULL;
}

/**
 * handset_media_start_screenshare:
 *
 * Opens the screen to share (the desktop may ask the person which) and
 * adds it to the call as a video stream of its own, with the stream ID
 * handset_media_get_screenshare_stream_id() gives; the next offer carries
 * it. Fails, in words for the person, when no screen can be shared.
 */
void
handset_media_start_screenshare (HandsetMedia *self,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  HandsetMediaInterface *iface = HANDSET_MEDIA_GET_IFACE (self);

  if (iface->start_screenshare == NULL)
    {
      g_task_report_new_error (self, callback, user_data, handset_media_start_screenshare,
                               G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "This call's media cannot share a screen");
      return;
    }
  iface->start_screenshare (self, cancellable, callback, user_data);
}

gboolean
handset_media_start_screenshare_finish (HandsetMedia *self, GAsyncResult *result, GError **error)
{
  if (g_async_result_is_tagged (result, handset_media_start_screenshare))
    return g_task_propagate_boolean (G_TASK (result), error);
  return HANDSET_MEDIA_GET_IFACE (self)->start_screenshare_finish (self, result, error);
}

/**
 * handset_media_stop_screenshare:
 *
 * Closes the shared screen at once; the next offer says its stream no
 * longer sends.
 */
void
handset_media_stop_screenshare (HandsetMedia *self)
{
  if (HANDSET_MEDIA_GET_IFACE (self)->stop_screenshare != NULL)
    HANDSET_MEDIA_GET_IFACE (self)->stop_screenshare (self);
}

/**
 * handset_media_get_screenshare_stream_id:
 *
 * Returns: (nullable): the msid stream ID of our screen share while it is
 *   on (the key of its `sdp_stream_metadata`), else %NULL
 */
const char *
handset_media_get_screenshare_stream_id (HandsetMedia *self)
{
  if (HANDSET_MEDIA_GET_IFACE (self)->get_screenshare_stream_id == NULL)
    return NULL;
  return HANDSET_MEDIA_GET_IFACE (self)->get_screenshare_stream_id (self);
}

/**
 * handset_media_set_screenshare_streams:
 * @stream_ids: (nullable) (array zero-terminated=1): the peer's streams
 *   whose purpose is a screen share
 *
 * Their video is decoded and shown with ::screenshare-frame, never as the
 * camera; set before the description that carries them.
 */
void
handset_media_set_screenshare_streams (HandsetMedia *self, const char *const *stream_ids)
{
  if (HANDSET_MEDIA_GET_IFACE (self)->set_screenshare_streams != NULL)
    HANDSET_MEDIA_GET_IFACE (self)->set_screenshare_streams (self, stream_ids);
}

/**
 * handset_media_can_prepare_answer:
 *
 * Returns: whether the answer to an offer can be made before the call is
 *   answered (handset_media_prepare_answer())
 */
gboolean
handset_media_can_prepare_answer (HandsetMedia *self)
{
  return HANDSET_MEDIA_GET_IFACE (self)->prepare_answer != NULL;
}

/**
 * handset_media_prepare_answer:
 * @offer: the offer the call rings with
 * @connect: whether the connection to the caller may start already;
 *   otherwise the caller's addresses wait until the answer
 *
 * While a call rings: the offer set and the answer made, no device
 * opened. handset_media_create_answer() then opens the microphone and
 * gives the answer at once.
 */
void
handset_media_prepare_answer (HandsetMedia *self,
                              const char *offer,
                              gboolean connect,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_return_if_fail (handset_media_can_prepare_answer (self));
  HANDSET_MEDIA_GET_IFACE (self)->prepare_answer (self, offer, connect, cancellable, callback,
                                                  user_data);
}

gboolean
handset_media_prepare_answer_finish (HandsetMedia *self, GAsyncResult *result, GError **error)
{
  return HANDSET_MEDIA_GET_IFACE (self)->prepare_answer_finish (self, result, error);
}

/**
 * handset_media_release_capture:
 *
 * Takes the open microphone and camera out of @self, still open, so that
 * another call's media use them (handset_media_adopt_capture()): the call
 * that survives a glare answers with the devices the lost one opened, so
 * no device is opened twice and the camera does not go off and on. Not
 * adopted, they close when the returned object goes.
 *
 * Returns: (transfer full) (nullable): what holds the devices; %NULL when
 *   none is open, or the media cannot hand them over
 */
GObject *
handset_media_release_capture (HandsetMedia *self)
{
  HandsetMediaInterface *iface = HANDSET_MEDIA_GET_IFACE (self);

  return iface->release_capture != NULL ? iface->release_capture (self) : NULL;
}

/**
 * handset_media_adopt_capture:
 * @capture: what handset_media_release_capture() returned
 *
 * For media not built yet: the microphone and camera in @capture are used
 * in place of opening the devices again.
 */
void
handset_media_adopt_capture (HandsetMedia *self, GObject *capture)
{
  HandsetMediaInterface *iface = HANDSET_MEDIA_GET_IFACE (self);

  g_return_if_fail (G_IS_OBJECT (capture));
  if (iface->adopt_capture != NULL)
    iface->adopt_capture (self, capture);
}
