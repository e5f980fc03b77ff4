/* handset-ringtone.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The ringtone of a call that rings, again and again until it stops, on
 * the speaker it is given: the one the person chose for calls (see
 * handset_media_provider_make_ringtone()).
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include "handset-ringtone-private.h"

#define RINGTONE_URI "resource:///io/github/handset/Handset/ringtone.oga"

struct _HandsetRingtone
{
  GObject parent_instance;

  GstElement *playbin; /* NULL when it cannot play at all */
  guint bus_watch;
};

G_DEFINE_FINAL_TYPE (HandsetRingtone, handset_ringtone, G_TYPE_OBJECT)

static gboolean
bus_cb (GstBus *bus, GstMessage *message, gpointer user_data)
{
  HandsetRingtone *self = HANDSET_RINGTONE (user_data);

  /* Again and again, until it is stopped. */
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS)
    gst_element_seek_simple (self->playbin, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, 0);
  else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) error = NULL;

      gst_message_parse_error (message, &error, NULL);
      g_message ("The ringtone cannot be played: %s", error->message);
      gst_element_set_state (self->playbin, GST_STATE_NULL);
    }

  return G_SOURCE_CONTINUE;
}

static void
handset_ringtone_dispose (GObject *object)
{
  HandsetRingtone *self = HANDSET_RINGTONE (object);

  g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->playbin != NULL)
    gst_element_set_state (self->playbin, GST_STATE_NULL);
  g_clear_object (&self->playbin);

  G_OBJECT_CLASS (handset_ringtone_parent_class)->dispose (object);
}

static void
handset_ringtone_class_init (HandsetRingtoneClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = handset_ringtone_dispose;
}

static void
handset_ringtone_init (HandsetRingtone *self)
{
}

/**
 * handset_ringtone_new:
 * @sink: (transfer full) (nullable): where it plays; %NULL for the
 *   system's default
 */
HandsetRingtone *
handset_ringtone_new (GstElement *sink)
{
  HandsetRingtone *self = g_object_new (HANDSET_TYPE_RINGTONE, NULL);
  g_autoptr (GstBus) bus = NULL;

  self->playbin = gst_element_factory_make ("playbin", "ringtone");
  if (self->playbin == NULL)
    {
      if (sink != NULL)
        gst_object_unref (gst_object_ref_sink (sink));
      return self;
    }
  gst_object_ref_sink (self->playbin);
  g_object_set (self->playbin, "uri", RINGTONE_URI, NULL);
  if (sink != NULL)
    g_object_set (self->playbin, "audio-sink", sink, NULL);
  bus = gst_element_get_bus (self->playbin);
  self->bus_watch = gst_bus_add_watch (bus, bus_cb, self);

  return self;
}

void
handset_ringtone_play (HandsetRingtone *self)
{
  g_return_if_fail (HANDSET_IS_RINGTONE (self));

  if (self->playbin != NULL)
    gst_element_set_state (self->playbin, GST_STATE_PLAYING);
}

void
handset_ringtone_stop (HandsetRingtone *self)
{
  g_return_if_fail (HANDSET_IS_RINGTONE (self));

  if (self->playbin != NULL)
    gst_element_set_state (self->playbin, GST_STATE_NULL);
}

/**
 * handset_ringtone_is_playing:
 *
 * Returns: whether it plays (or is about to)
 */
gboolean
handset_ringtone_is_playing (HandsetRingtone *self)
{
  GstState state = GST_STATE_NULL, pending = GST_STATE_VOID_PENDING;

  g_return_val_if_fail (HANDSET_IS_RINGTONE (self), FALSE);

  if (self->playbin == NULL)
    return FALSE;
  gst_element_get_state (self->playbin, &state, &pending, 0);
  return state == GST_STATE_PLAYING || pending == GST_STATE_PLAYING;
}
