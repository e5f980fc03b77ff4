/* handset-media-check.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Before a call, every GStreamer element the call needs must exist; a
 * missing one is named together with the Debian package that provides it.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include <gst/gst.h>

#include "handset-media-check.h"

typedef struct
{
  const char *element;
  const char *package;
} ElementSource;

static const ElementSource element_sources[] = {
  { "webrtcbin", "gstreamer1.0-plugins-bad" },
  { "nicesrc", "gstreamer1.0-nice" },
  { "nicesink", "gstreamer1.0-nice" },
  { "dtlssrtpenc", "gstreamer1.0-plugins-bad" },
  { "dtlssrtpdec", "gstreamer1.0-plugins-bad" },
  { "srtpenc", "gstreamer1.0-plugins-bad" },
  { "srtpdec", "gstreamer1.0-plugins-bad" },
  { "rtpbin", "gstreamer1.0-plugins-good" },
  { "opusenc", "gstreamer1.0-plugins-base" },
  { "opusdec", "gstreamer1.0-plugins-base" },
  { "rtpopuspay", "gstreamer1.0-plugins-good" },
  { "rtpopusdepay", "gstreamer1.0-plugins-good" },
  { "audioconvert", "gstreamer1.0-plugins-base" },
  { "audioresample", "gstreamer1.0-plugins-base" },
  { "vp8enc", "gstreamer1.0-plugins-good" },
  { "vp8dec", "gstreamer1.0-plugins-good" },
  { "rtpvp8pay", "gstreamer1.0-plugins-good" },
  { "rtpvp8depay", "gstreamer1.0-plugins-good" },
  { "videoconvert", "gstreamer1.0-plugins-base" },
  { "videoscale", "gstreamer1.0-plugins-base" },
  { "videorate", "gstreamer1.0-plugins-base" },
  { "appsink", "gstreamer1.0-plugins-base" },
  { "pulsesrc", "gstreamer1.0-pulseaudio" },
  { "pulsesink", "gstreamer1.0-pulseaudio" },
  { "webrtcdsp", "gstreamer1.0-plugins-bad" },
  { "webrtcechoprobe", "gstreamer1.0-plugins-bad" },
};

static const char *const audio_elements[] = {
  "webrtcbin",  "nicesrc",      "nicesink",     "dtlssrtpenc",   "dtlssrtpdec",
  "srtpenc",    "srtpdec",      "rtpbin",       "opusenc",       "opusdec",
  "rtpopuspay", "rtpopusdepay", "audioconvert", "audioresample", NULL,
};

static const char *const video_elements[] = {
  "vp8enc",     "vp8dec",    "rtpvp8pay", "rtpvp8depay", "videoconvert",
  "videoscale", "videorate", "appsink",   NULL,
};

/* Written out: clang-format would space the dashes of G_DEFINE_QUARK's
 * name, and the spaces would end up in the domain's name. */
GQuark
handset_media_error_quark (void)
{
  return g_quark_from_static_string ("handset-media-error-quark");
}

static const char *
package_for_element (const char *element)
{
  for (guint i = 0; i < G_N_ELEMENTS (element_sources); i++)
    {
      if (g_str_equal (element_sources[i].element, element))
        return element_sources[i].package;
    }

  return NULL;
}

/**
 * handset_media_check_element_list:
 * @elements: a %NULL-terminated list of element factory names
 *
 * Returns: %TRUE when every element exists; otherwise %FALSE with an
 *   error that names each missing element and its package
 */
gboolean
handset_media_check_element_list (const char *const *elements, GError **error)
{
  g_autoptr (GString) missing = g_string_new (NULL);

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);

  for (guint i = 0; elements[i] != NULL; i++)
    {
      g_autoptr (GstElementFactory) factory = gst_element_factory_find (elements[i]);
      const char *package;

      if (factory != NULL)
        continue;

      package = package_for_element (elements[i]);
      if (missing->len > 0)
        g_string_append (missing, ", ");
      if (package != NULL)
        g_string_append_printf (missing, "“%s” (package %s)", elements[i], package);
      else
        g_string_append_printf (missing, "“%s”", elements[i]);
    }

  if (missing->len > 0)
    {
      g_set_error (error, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT,
                   "Calls need GStreamer elements that are not installed: %s", missing->str);
      return FALSE;
    }

  return TRUE;
}

/**
 * handset_media_check_elements:
 * @video: whether the call carries video
 *
 * Checks the elements of a call's media pipeline, not the devices: sources
 * and sinks are checked when they are made.
 */
gboolean
handset_media_check_elements (gboolean video, GError **error)
{
  if (!handset_media_check_element_list (audio_elements, error))
    return FALSE;

  if (video && !handset_media_check_element_list (video_elements, error))
    return FALSE;

  return TRUE;
}
