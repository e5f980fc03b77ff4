/* handset-screen-source.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The screen (or a window of it) to share in a call, as a source of raw
 * video. Tried in order: the pipeline the environment describes
 * (HANDSET_SCREEN_SRC, a gst-launch description: tests share a
 * videotestsrc), the desktop's ScreenCast portal (a PipeWire stream; the
 * one way inside Flatpak and on Wayland), and ximagesrc, only outside
 * Flatpak on an X11 display. Anything else is an error that says what is
 * missing.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-media-check.h"
#include "handset-screen-source.h"
#include "handset-screencast-portal.h"

static gboolean
inside_flatpak (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

/* An X11 display and no Wayland one: ximagesrc reads the whole screen
 * there. Under Wayland (XWayland too) it would see only X windows. */
static gboolean
on_x11 (void)
{
  const char *wayland = g_getenv ("WAYLAND_DISPLAY");
  const char *x11 = g_getenv ("DISPLAY");

  return (wayland == NULL || *wayland == '\0') && x11 != NULL && *x11 != '\0';
}

static GstElement *
open_ximagesrc (GError **error)
{
  GstElement *bin;

  /* use-damage off: the whole frame each time, cheaper to encode
   * steadily than the damaged parts redrawn; the cursor is shown. */
  bin = gst_parse_bin_from_description ("ximagesrc use-damage=false show-pointer=true "
                                        "! capsfilter caps=video/x-raw,framerate=15/1",
                                        TRUE, error);
  return bin;
}

static gboolean
can_read_x11 (void)
{
  g_autoptr (GstElementFactory) factory = NULL;

  if (inside_flatpak () || !on_x11 ())
    return FALSE;
  factory = gst_element_factory_find ("ximagesrc");
  return factory != NULL;
}

/* 3. ximagesrc, on X11 outside Flatpak; else @portal_error (why the
 * portal gave nothing), or the error a person reads when there was no
 * portal at all. */
static void
open_fallback (GTask *task, GError *portal_error)
{
  GError *error = NULL;
  GstElement *source = NULL;

  if (can_read_x11 ())
    source = open_ximagesrc (&error);
  else if (portal_error != NULL &&
           !g_error_matches (portal_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    error = g_error_copy (portal_error);
  else
    g_set_error_literal (&error, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT,
                         _ ("Screen sharing needs the desktop’s screen sharing portal, "
                            "which is not available"));
  if (source == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, gst_object_ref_sink (source), gst_object_unref);
}

static void
portal_opened_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (GError) error = NULL;
  GstElement *source;

  /* Already a full reference of its own, not floating. */
  source = handset_screencast_portal_open_finish (result, &error);
  if (source != NULL)
    {
      g_task_return_pointer (task, source, gst_object_unref);
      return;
    }
  /* The person said no, or stopped the asking: that is the answer. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* No portal, or one that could not share (a desktop without a
   * ScreenCast backend that works): X11 read directly where it can be. */
  open_fallback (task, error);
}

/* 2. The desktop's ScreenCast portal (handset-screencast-portal.c), which
 * asks the person which screen or window. */
static void
open_portal (GTask *task)
{
  handset_screencast_portal_open_async (g_task_get_cancellable (task), portal_opened_cb,
                                        g_object_ref (task));
}

/* 1. Tests: the described pipeline. */
static void
open_in_order (GTask *task)
{
  const char *description = g_getenv ("HANDSET_SCREEN_SRC");
  GError *error = NULL;
  GstElement *source;

  if (description == NULL || *description == '\0')
    {
      open_portal (task);
      return;
    }
  source = gst_parse_bin_from_description (description, TRUE, &error);
  if (source == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, gst_object_ref_sink (source), gst_object_unref);
}

/**
 * handset_screen_source_open_async:
 * @cancellable: (nullable): stops the asking (the portal shows a dialog)
 *
 * Opens a source of the screen to share: see the top of this file for
 * which. The portal asks the person which screen or window; this may take
 * as long as they take.
 */
void
handset_screen_source_open_async (GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_screen_source_open_async);
  open_in_order (task);
}

/**
 * handset_screen_source_open_finish:
 *
 * Returns: (transfer full): a source element with an always src pad of
 *   raw video (`video/x-raw`, any size and rate), not floating: the
 *   caller holds one full reference, and adding it to a bin adds the
 *   bin's own. %NULL with @error, in words a person understands, when no
 *   screen can be shared.
 */
GstElement *
handset_screen_source_open_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
