/* handset-media-capture.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The open microphone and camera handed from one call's media to
 * another's without being closed: after a glare the call that survives
 * answers with the devices the lost call opened (§17 #48), so no device
 * is opened twice and the camera does not go off and on. A device taken
 * out of its pipeline keeps running, its flow dropped on its pad, until
 * the next pipeline takes it. There it keeps the clock and base time it
 * runs on (both pipelines run on the system clock), locked out of the new
 * pipeline's state changes, which would give it another base time, and a
 * probe on its pad puts its timestamps on the new pipeline's running
 * time. A device no pipeline takes is closed with what held it.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include "handset-media-session-private.h"

#define HANDSET_TYPE_MEDIA_CAPTURE (handset_media_capture_get_type ())
G_DECLARE_FINAL_TYPE (HandsetMediaCapture, handset_media_capture, HANDSET, MEDIA_CAPTURE, GObject)

/* What a device taken out keeps, as data on its element. */
typedef struct
{
  GstClockTime base_time;
  gulong drop_probe;
  /* Its push was held where it was (webrtcbin holds the sound until the
   * answer): it came back flushing as that pipeline closed, which stopped
   * its streaming; a flush starts it again. */
  gboolean restart;
} Held;

#define HELD_KEY "handset-held-device"

struct _HandsetMediaCapture
{
  GObject parent_instance;

  GstElement *microphone;
  GstElement *camera;
};

G_DEFINE_FINAL_TYPE (HandsetMediaCapture, handset_media_capture, G_TYPE_OBJECT)

/* A device no call took, or one that leaves a pipeline it was adopted
 * into: closed now. */
static void
close_device (GstElement **element)
{
  if (*element == NULL)
    return;
  gst_element_set_locked_state (*element, FALSE);
  gst_element_set_state (*element, GST_STATE_NULL);
  gst_clear_object (element);
}

static void
handset_media_capture_dispose (GObject *object)
{
  HandsetMediaCapture *self = HANDSET_MEDIA_CAPTURE (object);

  close_device (&self->microphone);
  close_device (&self->camera);

  G_OBJECT_CLASS (handset_media_capture_parent_class)->dispose (object);
}

static void
handset_media_capture_class_init (HandsetMediaCaptureClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = handset_media_capture_dispose;
}

static void
handset_media_capture_init (HandsetMediaCapture *self)
{
}

/* Whether a pad has finished what it was pushing; shared with the
 * streaming thread. */
typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean idle;
} Idle;

static void
idle_clear (gpointer data)
{
  Idle *idle = data;

  g_mutex_clear (&idle->lock);
  g_cond_clear (&idle->cond);
}

static void
idle_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, idle_clear);
}

static GstPadProbeReturn
on_idle (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Idle *idle = user_data;

  g_mutex_lock (&idle->lock);
  idle->idle = TRUE;
  g_cond_signal (&idle->cond);
  g_mutex_unlock (&idle->lock);
  return GST_PAD_PROBE_REMOVE;
}

/* Whether @pad finished pushing, within 10 ms (a buffer's conversion and
 * encoding): what it pushes from now on is dropped. A push that does not
 * end is held further on, in webrtcbin, until the pipeline closes. */
static gboolean
wait_idle (GstPad *pad)
{
  Idle *idle = g_atomic_rc_box_new0 (Idle);
  gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 100;
  gboolean done;

  g_mutex_init (&idle->lock);
  g_cond_init (&idle->cond);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_IDLE, on_idle, g_atomic_rc_box_acquire (idle),
                     idle_release);
  g_mutex_lock (&idle->lock);
  while (!idle->idle && g_cond_wait_until (&idle->cond, &idle->lock, deadline))
    ;
  done = idle->idle;
  g_mutex_unlock (&idle->lock);
  idle_release (idle);

  return done;
}

/* Takes @element, running in @pipeline, out of it, still running; its
 * buffers and events are dropped until it is linked again (the sticky
 * events are sent again then). */
static GstElement *
take_out (GstElement *pipeline, GstElement *element)
{
  g_autoptr (GstPad) pad = gst_element_get_static_pad (element, "src");
  g_autoptr (GstPad) peer = pad != NULL ? gst_pad_get_peer (pad) : NULL;
  g_autoptr (GstClock) clock = gst_element_get_clock (element);
  g_autoptr (GstObject) parent = gst_object_get_parent (GST_OBJECT (element));
  Held *held;
  gulong drop_probe;

  if (peer == NULL || parent != GST_OBJECT (pipeline) || GST_STATE (element) != GST_STATE_PLAYING)
    return NULL;

  drop_probe = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM, handset_media_probe_drop,
                                  NULL, NULL);
  held = g_new0 (Held, 1);
  held->restart = !wait_idle (pad);
  held->base_time = gst_element_get_base_time (element);
  held->drop_probe = drop_probe;
  g_object_set_data_full (G_OBJECT (element), HELD_KEY, held, g_free);
  gst_pad_unlink (pad, peer);
  /* Locked: the pipeline closing around it must not stop it. */
  gst_element_set_locked_state (element, TRUE);
  gst_object_ref (element);
  gst_bin_remove (GST_BIN (pipeline), element);
  /* Still on the same clock and time while no pipeline holds it. */
  gst_element_set_clock (element, clock);
  gst_element_set_base_time (element, held->base_time);

  return element;
}

static GObject *
session_release_capture (HandsetMedia *media)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);
  HandsetMediaCapture *capture;

  if (self->closed || self->pipeline == NULL)
    return NULL;

  capture = g_object_new (HANDSET_TYPE_MEDIA_CAPTURE, NULL);
  /* Silence standing in for a microphone is no device. */
  if (self->audio_source_in_use != NULL &&
      g_object_get_data (G_OBJECT (self->audio_source_in_use), "handset-stand-in") == NULL &&
      (capture->microphone = take_out (self->pipeline, self->audio_source_in_use)) != NULL)
    self->audio_source_in_use = NULL;
  if (self->video_source_in_use != NULL &&
      (capture->camera = take_out (self->pipeline, self->video_source_in_use)) != NULL)
    self->video_source_in_use = NULL;

  if (capture->microphone == NULL && capture->camera == NULL)
    {
      g_object_unref (capture);
      return NULL;
    }
  g_debug ("The open %s%s%s handed over to another call", capture->microphone ? "microphone" : "",
           capture->microphone && capture->camera ? " and " : "", capture->camera ? "camera" : "");

  return G_OBJECT (capture);
}

static void
session_adopt_capture (HandsetMedia *media, GObject *capture)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);

  g_return_if_fail (HANDSET_IS_MEDIA_CAPTURE (capture));

  /* Closed media use nothing: the devices close with @capture. */
  if (self->closed)
    return;
  g_set_object (&self->adopted, capture);
}

void
handset_media_session_capture_iface_init (HandsetMediaInterface *iface)
{
  iface->release_capture = session_release_capture;
  iface->adopt_capture = session_adopt_capture;
}

/**
 * handset_media_session_take_adopted:
 * @camera: the camera; otherwise the microphone
 *
 * Returns: (transfer full) (nullable): the running device adopted from
 *   another call, to be put in with handset_media_session_attach_adopted()
 */
GstElement *
handset_media_session_take_adopted (HandsetMediaSession *self, gboolean camera)
{
  HandsetMediaCapture *capture = (HandsetMediaCapture *) self->adopted;

  if (capture == NULL)
    return NULL;
  if (camera)
    return g_steal_pointer (&capture->camera);
  return g_steal_pointer (&capture->microphone);
}

/* Whether @time, moved by @shift, still falls on this pipeline's running
 * time: what was taken before the pipeline began has no place on it. */
static gboolean
shift_one_time (GstClockTime *time, gint64 shift)
{
  if (!GST_CLOCK_TIME_IS_VALID (*time))
    return TRUE;
  if (shift < 0 && (GstClockTime) -shift > *time)
    return FALSE;
  *time += shift;
  return TRUE;
}

/* Moves @buffer onto this pipeline's running time; %NULL in its place
 * (and it dropped) when it was taken before this pipeline began. */
static gboolean
shift_one (GstBuffer **buffer, guint index, gpointer user_data)
{
  const gint64 *shift = user_data;
  GstClockTime pts = GST_BUFFER_PTS (*buffer), dts = GST_BUFFER_DTS (*buffer);

  if (!shift_one_time (&pts, *shift) || !shift_one_time (&dts, *shift))
    {
      gst_clear_buffer (buffer);
      return TRUE;
    }
  *buffer = gst_buffer_make_writable (*buffer);
  GST_BUFFER_PTS (*buffer) = pts;
  GST_BUFFER_DTS (*buffer) = dts;
  return TRUE;
}

/* A device's timestamps, running time of the pipeline it came from, as
 * this one's. */
static GstPadProbeReturn
shift_time (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    {
      GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

      shift_one (&buffer, 0, user_data);
      if (buffer == NULL)
        {
          /* Ours was the probe's: it is gone, and nothing goes on. */
          GST_PAD_PROBE_INFO_DATA (info) = NULL;
          return GST_PAD_PROBE_HANDLED;
        }
      GST_PAD_PROBE_INFO_DATA (info) = buffer;
    }
  else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    {
      GstBufferList *list = gst_buffer_list_make_writable (GST_PAD_PROBE_INFO_BUFFER_LIST (info));

      gst_buffer_list_foreach (list, shift_one, user_data);
      GST_PAD_PROBE_INFO_DATA (info) = list;
      if (gst_buffer_list_length (list) == 0)
        return GST_PAD_PROBE_DROP;
    }
  return GST_PAD_PROBE_OK;
}

/* Whether the streaming of @device (or of a source in it) stopped: a
 * push held in the pipeline it left came back flushing. A push that was
 * only slow to end leaves it running, and nothing needs restarting. */
static gboolean
streaming_stopped (GstElement *device)
{
  g_autoptr (GstIterator) iter = NULL;
  GValue item = G_VALUE_INIT;
  gboolean stopped = FALSE;

  if (!GST_IS_BIN (device))
    {
      g_autoptr (GstPad) pad = gst_element_get_static_pad (device, "src");

      return pad != NULL && gst_pad_get_task_state (pad) == GST_TASK_PAUSED;
    }
  iter = gst_bin_iterate_sources (GST_BIN (device));
  while (!stopped && gst_iterator_next (iter, &item) == GST_ITERATOR_OK)
    {
      stopped = streaming_stopped (g_value_get_object (&item));
      g_value_reset (&item);
    }
  g_value_unset (&item);

  return stopped;
}

/* A source whose streaming stopped on a flushing push starts again with
 * a flush of its own, which goes no further than its pad. */
static void
restart_streaming (GstElement *device, GstPad *pad)
{
  gulong probe =
      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_FLUSH, handset_media_probe_drop, NULL, NULL);

  g_debug ("Streaming of a device handed over starts again");
  gst_element_send_event (device, gst_event_new_flush_start ());
  gst_element_send_event (device, gst_event_new_flush_stop (FALSE));
  gst_pad_remove_probe (pad, probe);
}

/**
 * handset_media_session_attach_adopted:
 * @device: from handset_media_session_take_adopted()
 * @next: the element it feeds, in the pipeline already
 *
 * Puts @device into the pipeline and lets its flow into @next, on this
 * pipeline's running time.
 *
 * Returns: %FALSE when it cannot be linked (it is closed then)
 */
gboolean
handset_media_session_attach_adopted (HandsetMediaSession *self,
                                      GstElement *device,
                                      GstElement *next)
{
  Held *held = g_object_get_data (G_OBJECT (device), HELD_KEY);
  g_autoptr (GstPad) pad = gst_element_get_static_pad (device, "src");
  g_autoptr (GstPad) sink = gst_element_get_static_pad (next, "sink");
  GstClockTime base_time = gst_element_get_base_time (self->pipeline);
  gint64 *shift;

  g_return_val_if_fail (held != NULL, FALSE);

  gst_bin_add (GST_BIN (self->pipeline), device);
  /* gst_bin_add() gave it this pipeline's base time: it keeps its own,
   * and its buffers are moved onto this pipeline's running time (not its
   * segment: vp8enc 1.22 matches what it encodes by timestamps and drops
   * every frame whose running time is not its timestamp). */
  gst_element_set_base_time (device, held->base_time);
  shift = g_new (gint64, 1);
  *shift = (gint64) held->base_time - (gint64) base_time;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, shift_time,
                     shift, g_free);
  if (GST_PAD_LINK_FAILED (gst_pad_link (pad, sink)))
    {
      g_warning ("A device handed over from another call cannot be linked into this one");
      gst_element_set_locked_state (device, FALSE);
      gst_element_set_state (device, GST_STATE_NULL);
      gst_bin_remove (GST_BIN (self->pipeline), device);
      return FALSE;
    }
  gst_pad_remove_probe (pad, held->drop_probe);
  held->drop_probe = 0;
  if (held->restart && streaming_stopped (device))
    restart_streaming (device, pad);

  return TRUE;
}

/**
 * handset_media_session_close_adopted:
 *
 * As the pipeline closes: the devices adopted into it, locked out of its
 * state changes, close with it; those adopted but never used close now.
 */
void
handset_media_session_close_adopted (HandsetMediaSession *self)
{
  GstElement *in_use[] = { self->audio_source_in_use, self->video_source_in_use };

  for (guint i = 0; i < G_N_ELEMENTS (in_use); i++)
    if (in_use[i] != NULL && g_object_get_data (G_OBJECT (in_use[i]), HELD_KEY) != NULL)
      gst_element_set_locked_state (in_use[i], FALSE);
  g_clear_object (&self->adopted);
}

/**
 * handset_media_session_drop_adopted:
 *
 * Once the first offer or answer is built: adopted devices it did not
 * take (a camera for a call without video) close now, not with the call.
 */
void
handset_media_session_drop_adopted (HandsetMediaSession *self)
{
  g_clear_object (&self->adopted);
}
