/* handset-application-background.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Running with no window: kept alive while logged in if the settings and
 * the Background portal allow it, the XDG autostart entry outside Flatpak,
 * and the portal's request and answer inside it.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "handset-application-private.h"
#include "handset-notification.h"

#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

/* Logged in, asked to, and not refused by the Background portal: closing
 * the window keeps Handset running, so calls still ring. Otherwise
 * closing the window quits. */
void
handset_application_update_background (HandsetApplication *self)
{
  gboolean keep =
      self->session != NULL &&
      (self->settings == NULL || g_settings_get_boolean (self->settings, "run-in-background")) &&
      (self->background_portal == NULL ||
       handset_background_portal_get_allowed (self->background_portal));
  HandsetWindow *window = handset_application_main_window (self);

  if (keep && !self->held)
    g_application_hold (G_APPLICATION (self));
  else if (!keep && self->held)
    g_application_release (G_APPLICATION (self));
  self->held = keep;
  if (window != NULL)
    gtk_window_set_hide_on_close (GTK_WINDOW (window), keep);
}

/* The XDG autostart entry of this profile: Handset starts in the
 * background with the desktop session. */
void
handset_application_update_autostart (HandsetApplication *self)
{
  g_autofree char *name =
      g_strdup_printf ("%s.desktop", handset_profile_get_application_id (self->profile));
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "autostart", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  /* Inside Flatpak the portal writes the entry: see handset_application_ask_background_portal(). */
  if (self->settings == NULL || self->background_portal != NULL)
    return;

  if (!g_settings_get_boolean (self->settings, "autostart"))
    {
      if (g_file_test (path, G_FILE_TEST_EXISTS) && g_remove (path) != 0)
        g_warning ("The autostart entry %s could not be removed", path);
      return;
    }

  {
    g_autofree char *profile_arg =
        handset_profile_is_default (self->profile)
            ? g_strdup ("")
            : g_strdup_printf (" --profile %s", handset_profile_get_name (self->profile));
    g_autofree char *contents = g_strdup_printf ("[Desktop Entry]\n"
                                                 "Type=Application\n"
                                                 "Name=Handset\n"
                                                 "Exec=handset%s --gapplication-service\n"
                                                 "Icon=io.github.handset.Handset\n"
                                                 "X-GNOME-Autostart-enabled=true\n"
                                                 "NoDisplay=true\n",
                                                 profile_arg);

    if (g_mkdir_with_parents (dir, 0700) != 0 || !g_file_set_contents (path, contents, -1, &error))
      g_warning ("The autostart entry %s could not be written: %s", path,
                 error ? error->message : g_strerror (errno));
  }
}

/* The portal's handle of the window asking, so its dialog sits on it:
 * "x11:XID" under X11. A Wayland handle needs an export round trip, and
 * the portal takes "" as well. */
static char *
parent_window_handle (HandsetApplication *self)
{
#ifdef GDK_WINDOWING_X11
  HandsetWindow *window = handset_application_main_window (self);
  GdkSurface *surface = window ? gtk_native_get_surface (GTK_NATIVE (window)) : NULL;

  if (surface != NULL && GDK_IS_X11_SURFACE (surface))
    return g_strdup_printf ("x11:%lx", (unsigned long) gdk_x11_surface_get_xid (surface));
#endif

  return g_strdup ("");
}

static void
background_requested_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  /* The answer arrives through the properties; a portal that could not be
   * asked was logged, and Handset runs as outside a sandbox. */
  handset_background_portal_request_finish (HANDSET_BACKGROUND_PORTAL (object), result, &error);
}

/* Inside Flatpak: asks the Background portal to let Handset run with no
 * window, and to start it with the session as the autostart setting
 * says; the portal writes the autostart entry. */
void
handset_application_ask_background_portal (HandsetApplication *self)
{
  g_autoptr (GStrvBuilder) builder = NULL;
  g_auto (GStrv) commandline = NULL;
  g_autofree char *parent_window = NULL;
  gboolean autostart;

  if (self->background_portal == NULL || self->settings == NULL)
    return;

  autostart = g_settings_get_boolean (self->settings, "autostart");
  builder = g_strv_builder_new ();
  g_strv_builder_add (builder, "handset");
  if (!handset_profile_is_default (self->profile))
    g_strv_builder_addv (
        builder, (const char *[]){ "--profile", handset_profile_get_name (self->profile), NULL });
  g_strv_builder_add (builder, "--gapplication-service");
  commandline = g_strv_builder_end (builder);
  parent_window = parent_window_handle (self);

  handset_background_portal_request_async (self->background_portal, parent_window, autostart,
                                           (const char *const *) commandline, self->cancellable,
                                           background_requested_cb, NULL);
}

/* The portal answered. Refused, Handset says so, and closing the window
 * quits instead of leaving Handset hidden where it cannot ring; the
 * settings stay as the person chose them. */
static void
background_portal_answer_cb (HandsetBackgroundPortal *portal,
                             GParamSpec *pspec,
                             HandsetApplication *self)
{
  const char *message = handset_background_portal_get_message (portal);
  HandsetWindow *window = handset_application_main_window (self);

  handset_application_update_background (self);
  if (message == NULL)
    return;

  if (window != NULL)
    {
      /* A hidden window would keep Handset running unseen. */
      if (!handset_background_portal_get_allowed (portal))
        gtk_window_present (GTK_WINDOW (window));
      handset_window_toast (window, message);
    }
  else
    {
      g_autoptr (GNotification) notification =
          handset_notification_new (_ ("Handset is not running in the background"), message);

      g_application_send_notification (G_APPLICATION (self), "background", notification);
    }
}

/* Inside Flatpak, the Background portal allows running with no window
 * and starting with the session. */
void
handset_application_start_background_portal (HandsetApplication *self)
{
  GDBusConnection *connection = g_application_get_dbus_connection (G_APPLICATION (self));

  if (!handset_background_portal_is_sandboxed () || connection == NULL)
    return;
  self->background_portal = handset_background_portal_new (connection);
  g_signal_connect (self->background_portal, "notify::message",
                    G_CALLBACK (background_portal_answer_cb), self);
}
