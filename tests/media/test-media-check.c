/* test-media-check.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gst/gst.h>

#include "handset-media-check.h"

static void
test_all_present (void)
{
  g_autoptr (GError) error = NULL;

  /* build-aux/dev deps installs every plugin a call needs. */
  g_assert_true (handset_media_check_elements (TRUE, &error));
  g_assert_no_error (error);
}

static void
test_missing_named (void)
{
  const char *elements[] = { "audioconvert", "handsetnosuchelement", "pulsesrc", NULL };
  g_autoptr (GError) error = NULL;
  GstPluginFeature *pulse;

  /* Pretend the PulseAudio plugin is not installed: the message names the
   * element and the Debian package, and also unknown elements. */
  pulse = gst_registry_lookup_feature (gst_registry_get (), "pulsesrc");
  if (pulse != NULL)
    {
      gst_registry_remove_feature (gst_registry_get (), pulse);
      gst_object_unref (pulse);
    }

  g_assert_false (handset_media_check_element_list (elements, &error));
  g_assert_error (error, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT);
  g_assert_nonnull (strstr (error->message, "“handsetnosuchelement”"));
  g_assert_nonnull (strstr (error->message, "“pulsesrc” (package gstreamer1.0-pulseaudio)"));
  g_assert_null (strstr (error->message, "audioconvert"));
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media-check/all-present", test_all_present);
  g_test_add_func ("/media-check/missing-named", test_missing_named);

  return g_test_run ();
}
