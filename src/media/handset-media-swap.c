/* handset-media-swap.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The devices of a call going on: a microphone or speaker the person picks
 * replaces the one in use without renegotiating (a speaker only once the
 * flow before it is blocked), and one that fails, at the start or during
 * the call, gives way to silence, or to a sink that plays nothing, so the
 * call goes on until another is picked. The microphone and camera
 * take the place of what stood for them while a call rang.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include "handset-media-session-private.h"

gboolean
handset_media_is_within (GstObject *object, GstElement *element)
{
  return element != NULL && (object == GST_OBJECT (element) ||
                             gst_object_has_as_ancestor (object, GST_OBJECT (element)));
}

/* Which device an error came from, if any. */
HandsetCallDevice
handset_media_session_failed_device (HandsetMediaSession *self, GstObject *source)
{
  if (handset_media_is_within (source, self->audio_source_in_use))
    return HANDSET_CALL_DEVICE_MICROPHONE;
  if (handset_media_is_within (source, self->audio_sink_in_use))
    return HANDSET_CALL_DEVICE_SPEAKER;
  if (handset_media_is_within (source, self->video_source_in_use))
    return HANDSET_CALL_DEVICE_CAMERA;
  return HANDSET_CALL_DEVICE_NONE;
}

static gboolean swap_at_once (GstElement *old, GstElement *fresh, const char *pad_name);

/* A microphone or speaker that failed, at the start of the call or during
 * it, gives way to silence (or to a sink that plays nothing): the rest of
 * the call goes on, and starts, until the person picks another device. A
 * stand-in that failed itself is left as it is. */
void
handset_media_session_stand_in_for (HandsetMediaSession *self, HandsetCallDevice device)
{
  GstElement *stand_in = NULL;

  if (device == HANDSET_CALL_DEVICE_MICROPHONE && self->audio_source_in_use != NULL &&
      g_object_get_data (G_OBJECT (self->audio_source_in_use), "handset-stand-in") == NULL)
    {
      stand_in = handset_media_session_silence ();
      if (stand_in == NULL)
        return;
      gst_object_ref_sink (stand_in);
      if (swap_at_once (self->audio_source_in_use, stand_in, "src"))
        self->audio_source_in_use = stand_in;
    }
  else if (device == HANDSET_CALL_DEVICE_SPEAKER && self->audio_sink_in_use != NULL &&
           g_object_get_data (G_OBJECT (self->audio_sink_in_use), "handset-stand-in") == NULL)
    {
      stand_in = gst_element_factory_make ("fakesink", NULL);
      if (stand_in == NULL)
        return;
      g_object_set (stand_in, "sync", TRUE, "async", FALSE, NULL);
      gst_object_ref_sink (stand_in);
      g_object_set_data (G_OBJECT (stand_in), "handset-stand-in", GINT_TO_POINTER (TRUE));
      if (swap_at_once (self->audio_sink_in_use, stand_in, "sink"))
        self->audio_sink_in_use = stand_in;
    }
  if (stand_in == NULL)
    return;
  gst_object_unref (stand_in);

  /* A device that failed to start failed the pipeline's start too. */
  gst_element_set_state (self->pipeline, GST_STATE_PLAYING);
}

/* A speaker swapped during a call: the flow is blocked on @pad, then in
 * the main thread the sink after it gives way to @fresh. */
typedef struct
{
  GstPad *pad;       /* blocked: the one feeding the old sink */
  GstElement *fresh; /* the new speaker */
  gulong probe;
} Swap;

static void
swap_free (gpointer data)
{
  Swap *swap = data;

  gst_object_unref (swap->pad);
  gst_object_unref (swap->fresh);
  g_free (swap);
}

static gboolean
swap_in_main (gpointer user_data)
{
  Invoke *invoke = user_data;
  Swap *swap = invoke->data;
  g_autoptr (GstPad) peer = gst_pad_get_peer (swap->pad);
  g_autoptr (GstPad) sink = NULL;
  GstElement *old;
  GstElement *bin;

  if (peer == NULL)
    return G_SOURCE_REMOVE;
  old = GST_ELEMENT (gst_pad_get_parent (peer));
  bin = old != NULL ? GST_ELEMENT (gst_element_get_parent (old)) : NULL;
  if (bin == NULL)
    {
      g_clear_object (&old);
      return G_SOURCE_REMOVE;
    }

  gst_pad_unlink (swap->pad, peer);
  /* Locked: a state change of the whole pipeline running in its own thread
   * must not set the old element playing again on its way out. */
  gst_element_set_locked_state (old, TRUE);
  gst_element_set_state (old, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (bin), old);
  /* A new sink that waited to preroll would pause the whole call. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (swap->fresh), "async") != NULL)
    g_object_set (swap->fresh, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (bin), gst_object_ref (swap->fresh));
  if (invoke->self->audio_sink_in_use == old)
    invoke->self->audio_sink_in_use = swap->fresh;
  sink = gst_element_get_static_pad (swap->fresh, "sink");
  gst_pad_link (swap->pad, sink);
  gst_element_sync_state_with_parent (swap->fresh);
  /* Lets the flow go on, into the new element. */
  gst_pad_remove_probe (swap->pad, swap->probe);
  gst_object_unref (old);
  gst_object_unref (bin);

  return G_SOURCE_REMOVE;
}

static GstPadProbeReturn
swap_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Invoke *holder = user_data;

  /* The flow waits here until the main thread has swapped. */
  if (holder->data != NULL)
    handset_media_session_run_in_main (holder->self, swap_in_main, g_steal_pointer (&holder->data),
                                       swap_free);
  return GST_PAD_PROBE_OK;
}

static void
swap_probe_free (gpointer data)
{
  Invoke *holder = data;

  if (holder->data != NULL)
    swap_free (holder->data);
  g_object_unref (holder->self);
  g_free (holder);
}

static void
start_sink_swap (HandsetMediaSession *self, GstPad *pad, GstElement *fresh)
{
  Swap *swap = g_new0 (Swap, 1);
  Invoke *holder = g_new0 (Invoke, 1);

  swap->pad = gst_object_ref (pad);
  swap->fresh = gst_object_ref_sink (fresh);
  holder->self = g_object_ref (self);
  holder->data = swap;
  swap->probe = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM, swap_probe, holder,
                                   swap_probe_free);
}

/* @old gives way to @fresh at once, on the same neighbour of its pad
 * @pad_name ("src" for a microphone, "sink" for a speaker that failed). No
 * blocking probe: a live source holds its own lock while it pushes its
 * first events, so blocked there it would keep that lock, and stopping it
 * would wait for the lock forever; a failed sink gets no flow to block.
 * Stopped first, @old passes nothing more. FALSE, and nothing changed,
 * when @old is in no call. */
static gboolean
swap_at_once (GstElement *old, GstElement *fresh, const char *pad_name)
{
  g_autoptr (GstPad) pad = gst_element_get_static_pad (old, pad_name);
  g_autoptr (GstPad) peer = pad ? gst_pad_get_peer (pad) : NULL;
  g_autoptr (GstPad) fresh_pad = NULL;
  g_autoptr (GstObject) bin = gst_object_get_parent (GST_OBJECT (old));
  gboolean upstream = pad != NULL && GST_PAD_IS_SRC (pad);
  GstPadLinkReturn linked;

  if (peer == NULL || bin == NULL)
    return FALSE;

  /* Locked: a state change of the whole pipeline must not set the old
   * element playing again on its way out. */
  gst_element_set_locked_state (old, TRUE);
  gst_element_set_state (old, GST_STATE_NULL);
  if (upstream)
    gst_pad_unlink (pad, peer);
  else
    gst_pad_unlink (peer, pad);
  gst_bin_remove (GST_BIN (bin), old);
  gst_bin_add (GST_BIN (bin), gst_object_ref (fresh));
  fresh_pad = gst_element_get_static_pad (fresh, pad_name);
  linked = fresh_pad == NULL ? GST_PAD_LINK_REFUSED
           : upstream        ? gst_pad_link (fresh_pad, peer)
                             : gst_pad_link (peer, fresh_pad);
  if (GST_PAD_LINK_FAILED (linked))
    g_warning ("The new device cannot be linked into the call");
  gst_element_sync_state_with_parent (fresh);

  return TRUE;
}

/* @element, or the system's device when it is NULL; NULL when that cannot
 * be made, said in the log. */
static GstElement *
element_or_system (HandsetMediaSession *self,
                   GstElement *element,
                   const char *variable,
                   const char *factory)
{
  g_autoptr (GError) error = NULL;

  if (element != NULL)
    return element;
  element = handset_media_devices_system_audio (variable, factory,
                                                handset_media_session_sound (self), &error);
  if (element == NULL)
    g_warning ("The system's %s cannot be used: %s",
               g_str_equal (factory, "pulsesrc") ? "microphone" : "speaker",
               error ? error->message : factory);

  return element;
}

/**
 * handset_media_session_replace_audio_source:
 * @source: (transfer full) (nullable): the new microphone; %NULL for the
 *   system's default
 *
 * Switches microphones during a call, without renegotiating.
 */
void
handset_media_session_replace_audio_source (HandsetMediaSession *self, GstElement *source)
{
  g_return_if_fail (HANDSET_IS_MEDIA_SESSION (self));

  /* Not open yet, or not before the call is answered (silence stands in
   * for it while the call rings): the one to open then. */
  if (self->audio_source_in_use == NULL || self->prepared != HANDSET_PREPARED_NONE)
    {
      handset_media_session_set_audio_source (self, source);
      return;
    }
  handset_media_session_swap_audio_source (self, source);
}

/**
 * handset_media_session_swap_audio_source:
 * @source: (transfer full) (nullable): the microphone to put in place of
 *   the one in the pipeline; %NULL for the system's default
 */
void
handset_media_session_swap_audio_source (HandsetMediaSession *self, GstElement *source)
{
  if ((source = element_or_system (self, source, "HANDSET_AUDIO_SRC", "pulsesrc")) == NULL)
    return;

  gst_object_ref_sink (source);
  if (swap_at_once (self->audio_source_in_use, source, "src"))
    self->audio_source_in_use = source;
  else
    g_warning ("The microphone in use is in no call: it stays");
  gst_object_unref (source);
}

/**
 * handset_media_session_swap_video_source:
 * @camera: (transfer full): the camera to put in place of what stands for
 *   it in the pipeline
 */
void
handset_media_session_swap_video_source (HandsetMediaSession *self, GstElement *camera)
{
  gst_object_ref_sink (camera);
  if (swap_at_once (self->video_source_in_use, camera, "src"))
    self->video_source_in_use = camera;
  else
    g_warning ("The picture in use is in no call: the camera is not opened");
  gst_object_unref (camera);
}

/**
 * handset_media_session_replace_audio_sink:
 * @sink: (transfer full) (nullable): the new speaker; %NULL for the
 *   system's default
 *
 * Switches speakers during a call; before the call's audio arrives, the
 * speaker it will play on.
 */
void
handset_media_session_replace_audio_sink (HandsetMediaSession *self, GstElement *sink)
{
  g_return_if_fail (HANDSET_IS_MEDIA_SESSION (self));

  if (self->playback_tail == NULL)
    {
      handset_media_session_set_audio_sink (self, sink);
      return;
    }

  if ((sink = element_or_system (self, sink, "HANDSET_AUDIO_SINK", "pulsesink")) == NULL)
    return;

  {
    g_autoptr (GstPad) pad = gst_element_get_static_pad (self->playback_tail, "src");

    start_sink_swap (self, pad, sink);
  }
}
