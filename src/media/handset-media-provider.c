/* handset-media-provider.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Makes the media of each call as the person set them up: the microphone,
 * speaker and camera they chose (by name; the system's own when none is
 * chosen or the chosen one is unplugged, and the first camera there is,
 * never a test pattern), the homeserver's TURN servers (or, when it offers
 * none, the server the person set), whether to use only a relay, and
 * the sound's processing (echo cancellation, noise suppression, gain
 * control). A new microphone or speaker chosen during a call goes
 * to that call at once. Above the media layer a call's media is a
 * HandsetMedia and a device a name; only this file and the media session
 * know they are GStreamer's.
 */

/* explicit_bzero() */
#define _DEFAULT_SOURCE
#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include <string.h>

#include "handset-ice-server.h"
#include "handset-media-devices-private.h"
#include "handset-media-provider.h"
#include "handset-media-session.h"
#include "handset-ringtone-private.h"

struct _HandsetMediaProvider
{
  GObject parent_instance;

  HandsetMediaDevices *devices; /* nullable */
  char **turn_uris;
  char *turn_username;
  char *turn_password;
  gboolean relay_only;
  /* The sound's processing in the pipeline; all off until set. */
  gboolean echo_cancellation;
  gboolean noise_suppression;
  gboolean gain_control;
  /* The person's own server, for when the homeserver offers none. */
  char *fallback_uri;
  HandsetIceServerKind fallback_kind;
  char *fallback_username;
  char *fallback_password;
  char *microphone;
  char *speaker;
  char *camera;
};

G_DEFINE_FINAL_TYPE (HandsetMediaProvider, handset_media_provider, G_TYPE_OBJECT)

/* A password is wiped from memory, not only freed. */
static void
wipe_password (char **password)
{
  if (*password != NULL)
    explicit_bzero (*password, strlen (*password));
  g_clear_pointer (password, g_free);
}

static void
handset_media_provider_finalize (GObject *object)
{
  HandsetMediaProvider *self = HANDSET_MEDIA_PROVIDER (object);

  g_clear_object (&self->devices);
  g_strfreev (self->turn_uris);
  g_free (self->turn_username);
  wipe_password (&self->turn_password);
  g_free (self->fallback_uri);
  g_free (self->fallback_username);
  wipe_password (&self->fallback_password);
  g_free (self->microphone);
  g_free (self->speaker);
  g_free (self->camera);

  G_OBJECT_CLASS (handset_media_provider_parent_class)->finalize (object);
}

static void
handset_media_provider_class_init (HandsetMediaProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = handset_media_provider_finalize;
}

static void
handset_media_provider_init (HandsetMediaProvider *self)
{
}

/**
 * handset_media_provider_new:
 * @devices: (nullable): the devices to pick microphones and cameras from
 */
HandsetMediaProvider *
handset_media_provider_new (HandsetMediaDevices *devices)
{
  HandsetMediaProvider *self = g_object_new (HANDSET_TYPE_MEDIA_PROVIDER, NULL);

  self->devices = devices ? g_object_ref (devices) : NULL;

  return self;
}

/**
 * handset_media_provider_set_turn:
 * @uris: (nullable): the TURN servers; %NULL when the homeserver offers none
 *
 * For calls made from now on.
 */
void
handset_media_provider_set_turn (HandsetMediaProvider *self,
                                 const char *const *uris,
                                 const char *username,
                                 const char *password)
{
  g_return_if_fail (HANDSET_IS_MEDIA_PROVIDER (self));

  g_strfreev (self->turn_uris);
  self->turn_uris = g_strdupv ((char **) uris);
  g_free (self->turn_username);
  self->turn_username = g_strdup (username);
  wipe_password (&self->turn_password);
  self->turn_password = g_strdup (password);
}

/**
 * handset_media_provider_set_fallback_ice_server:
 * @uri: (nullable): a `stun:`, `turn:` or `turns:` address the person set;
 *   %NULL or empty for none
 * @username: (nullable): for a TURN server
 * @password: (nullable): for a TURN server
 *
 * Used for calls made from now on, and only when the homeserver offers no
 * TURN server: Element, too, asks before it uses a server the homeserver
 * did not name.
 */
void
handset_media_provider_set_fallback_ice_server (HandsetMediaProvider *self,
                                                const char *uri,
                                                const char *username,
                                                const char *password)
{
  HandsetIceServerKind kind = HANDSET_ICE_SERVER_STUN;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (HANDSET_IS_MEDIA_PROVIDER (self));

  g_clear_pointer (&self->fallback_uri, g_free);
  g_clear_pointer (&self->fallback_username, g_free);
  wipe_password (&self->fallback_password);
  if (uri == NULL || *uri == '\0')
    return;
  if (!handset_ice_server_parse (uri, &kind, &error))
    {
      g_message ("The fallback relay server is not used: %s", error->message);
      return;
    }
  self->fallback_uri = g_strdup (uri);
  self->fallback_kind = kind;
  self->fallback_username = g_strdup (username ? username : "");
  self->fallback_password = g_strdup (password ? password : "");
}

void
handset_media_provider_set_relay_only (HandsetMediaProvider *self, gboolean relay_only)
{
  g_return_if_fail (HANDSET_IS_MEDIA_PROVIDER (self));

  self->relay_only = relay_only;
}

/**
 * handset_media_provider_set_processing:
 * @echo_cancellation: whether the speaker's sound is taken out of the microphone's
 * @noise_suppression: whether steady noise is taken out of the microphone's
 * @gain_control: whether the microphone's level is kept even
 *
 * For calls made from now on; all off, the sound server's echo
 * cancellation is asked for instead.
 */
void
handset_media_provider_set_processing (HandsetMediaProvider *self,
                                       gboolean echo_cancellation,
                                       gboolean noise_suppression,
                                       gboolean gain_control)
{
  g_return_if_fail (HANDSET_IS_MEDIA_PROVIDER (self));

  self->echo_cancellation = echo_cancellation;
  self->noise_suppression = noise_suppression;
  self->gain_control = gain_control;
}

static GstElement *
device_element (HandsetMediaProvider *self, HandsetMediaDeviceKind kind, const char *name)
{
  g_autoptr (HandsetMediaDevice) device = NULL;
  g_autoptr (GError) error = NULL;
  GstElement *element;

  if (self->devices == NULL || name == NULL || *name == '\0')
    return NULL;
  device = handset_media_devices_find (self->devices, kind, name);
  if (device == NULL)
    {
      /* Unplugged since it was chosen: the system default stands in. */
      g_message ("The chosen device %s is not there; using the default", name);
      return NULL;
    }
  element = handset_media_device_create_element (device, &error);
  if (element == NULL)
    g_message ("The device %s cannot be opened: %s", name, error->message);

  return element;
}

/* The first camera there is, when none was chosen: never a test
 * pattern. */
static GstElement *
default_camera (HandsetMediaProvider *self)
{
  g_autoptr (HandsetMediaDevice) device = NULL;
  g_autoptr (GError) error = NULL;
  GListModel *cameras;
  GstElement *element;

  if (self->devices == NULL)
    return NULL;
  handset_media_devices_start (self->devices);
  cameras = handset_media_devices_get_cameras (self->devices);
  if (g_list_model_get_n_items (cameras) == 0)
    return NULL;
  device = g_list_model_get_item (cameras, 0);
  element = handset_media_device_create_element (device, &error);
  if (element == NULL)
    g_message ("The camera %s cannot be opened: %s", handset_media_device_get_name (device),
               error->message);
  return element;
}

/* The camera chosen, or the first there is, once video is turned on in
 * a call made before any camera was listed. */
static GstElement *
later_camera (gpointer user_data)
{
  HandsetMediaProvider *self = HANDSET_MEDIA_PROVIDER (user_data);
  GstElement *element = device_element (self, HANDSET_MEDIA_DEVICE_CAMERA, self->camera);

  return element != NULL ? element : default_camera (self);
}

/**
 * handset_media_provider_set_devices:
 * @microphone: (nullable): a device name; %NULL for the system's
 * @speaker: (nullable): likewise
 * @camera: (nullable): likewise (the first camera there is)
 * @in_use: (nullable): the media of the call going on, which takes a new
 *   microphone or speaker at once
 *
 * For calls made from now on, and the one going on.
 *
 * Returns: whether the microphone is another than before (a call that
 *   rings with media made for its answer then takes it too)
 */
gboolean
handset_media_provider_set_devices (HandsetMediaProvider *self,
                                    const char *microphone,
                                    const char *speaker,
                                    const char *camera,
                                    HandsetMedia *in_use)
{
  gboolean new_microphone = g_strcmp0 (self->microphone, microphone) != 0;
  gboolean new_speaker = g_strcmp0 (self->speaker, speaker) != 0;

  g_return_val_if_fail (HANDSET_IS_MEDIA_PROVIDER (self), FALSE);

  g_free (self->microphone);
  self->microphone = g_strdup (microphone);
  g_free (self->speaker);
  self->speaker = g_strdup (speaker);
  g_free (self->camera);
  self->camera = g_strdup (camera);

  /* The call going on takes them at once (NULL: the system's own). */
  if (HANDSET_IS_MEDIA_SESSION (in_use))
    {
      if (new_microphone)
        handset_media_session_replace_audio_source (
            HANDSET_MEDIA_SESSION (in_use),
            device_element (self, HANDSET_MEDIA_DEVICE_MICROPHONE, microphone));
      if (new_speaker)
        handset_media_session_replace_audio_sink (
            HANDSET_MEDIA_SESSION (in_use),
            device_element (self, HANDSET_MEDIA_DEVICE_SPEAKER, speaker));
    }
  return new_microphone;
}

/**
 * handset_media_provider_update_microphone:
 * @media: the media of a call that rings, made for its answer
 *
 * The microphone chosen now is the one it opens once answered (nothing
 * opens before).
 */
void
handset_media_provider_update_microphone (HandsetMediaProvider *self, HandsetMedia *media)
{
  g_return_if_fail (HANDSET_IS_MEDIA_PROVIDER (self));

  if (HANDSET_IS_MEDIA_SESSION (media))
    handset_media_session_replace_audio_source (
        HANDSET_MEDIA_SESSION (media),
        device_element (self, HANDSET_MEDIA_DEVICE_MICROPHONE, self->microphone));
}

/**
 * handset_media_provider_make:
 * @provider: a #HandsetMediaProvider
 *
 * A #HandsetMediaFactory: the media of a new call.
 *
 * Returns: (transfer full) (nullable): the media, or %NULL with @error
 */
HandsetMedia *
handset_media_provider_make (gboolean video, gpointer provider, GError **error)
{
  HandsetMediaProvider *self = HANDSET_MEDIA_PROVIDER (provider);
  HandsetMediaSession *media = handset_media_session_new (video, error);
  GstElement *element;

  if (media == NULL)
    return NULL;

  /* The devices are listed when the first call needs them. */
  if (self->devices != NULL)
    handset_media_devices_start (self->devices);

  /* First: it decides what the system's devices are asked for. */
  handset_media_session_set_processing (media, self->echo_cancellation, self->noise_suppression,
                                        self->gain_control);
  if ((element = device_element (self, HANDSET_MEDIA_DEVICE_MICROPHONE, self->microphone)))
    handset_media_session_set_audio_source (media, element);
  if ((element = device_element (self, HANDSET_MEDIA_DEVICE_SPEAKER, self->speaker)))
    handset_media_session_set_audio_sink (media, element);
  if ((element = device_element (self, HANDSET_MEDIA_DEVICE_CAMERA, self->camera)))
    handset_media_session_set_video_source (media, element);
  else if ((element = default_camera (self)))
    handset_media_session_set_video_source (media, element);
  else
    handset_media_session_set_camera_func (media, later_camera, g_object_ref (self),
                                           g_object_unref);

  if (self->turn_uris != NULL && self->turn_uris[0] != NULL)
    handset_media_session_set_turn (media, (const char *const *) self->turn_uris,
                                    self->turn_username, self->turn_password);
  else if (self->fallback_uri != NULL && self->fallback_kind == HANDSET_ICE_SERVER_TURN)
    handset_media_session_set_turn (media, (const char *const[]){ self->fallback_uri, NULL },
                                    self->fallback_username, self->fallback_password);
  else if (self->fallback_uri != NULL)
    handset_media_session_set_stun (media, self->fallback_uri);
  if (self->relay_only && !handset_media_has_relay (HANDSET_MEDIA (media)))
    g_message ("Relay-only calls, but no TURN relay is known: neither the homeserver's nor one "
               "set in Preferences");
  handset_media_session_set_relay_only (media, self->relay_only);

  return HANDSET_MEDIA (media);
}

/**
 * handset_media_provider_make_ringtone:
 *
 * Returns: (transfer full): a ringtone on the speaker chosen for calls
 *   (the one HANDSET_AUDIO_SINK describes, in tests), else the system's,
 *   as a phone's sound
 */
HandsetRingtone *
handset_media_provider_make_ringtone (HandsetMediaProvider *self)
{
  GstElement *sink = NULL;

  g_return_val_if_fail (HANDSET_IS_MEDIA_PROVIDER (self), NULL);

  /* The first ring lists the devices and starts making the certificate
   * the call will need if answered. */
  if (self->devices != NULL)
    handset_media_devices_start (self->devices);

  /* The speaker a call takes (see the media session's), less the echo
   * cancellation. */
  if (!handset_media_devices_overridden ("HANDSET_AUDIO_SINK"))
    sink = device_element (self, HANDSET_MEDIA_DEVICE_SPEAKER, self->speaker);
  if (sink == NULL)
    sink = handset_media_devices_system_audio ("HANDSET_AUDIO_SINK", "pulsesink",
                                               HANDSET_MEDIA_SOUND_RINGTONE, NULL);

  return handset_ringtone_new (sink);
}

/* ------------------------------------------------------------------ start-up */

static gpointer
prewarm_thread (gpointer data)
{
  GstElement *dtls = gst_element_factory_make ("dtlsdec", NULL);

  /* Making one generates the process's DTLS certificate, 90-450 ms that
   * would otherwise fall on the first call. */
  if (dtls != NULL)
    gst_object_unref (dtls);
  return NULL;
}

/**
 * handset_media_prewarm:
 *
 * Makes the DTLS certificate at start-up, in a thread.
 *
 * Returns: (transfer full): the thread; join it before the process ends
 */
GThread *
handset_media_prewarm (void)
{
  if (!gst_is_initialized ())
    gst_init (NULL, NULL);
  return g_thread_new ("handset-prewarm", prewarm_thread, NULL);
}
