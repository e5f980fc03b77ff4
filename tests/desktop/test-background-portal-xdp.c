/* test-background-portal-xdp.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Background portal request against the real xdg-desktop-portal and
 * its GNOME backend (the Debian packages), activated on a private bus
 * (GTestDBus) from service files that name only them. xdg-desktop-portal
 * checks the type of every option, so a malformed request fails here; it
 * answers on the path made of our handle_token, so a request followed at
 * the wrong path times out here.
 *
 * Handset runs unsandboxed in the test, and xdg-desktop-portal allows
 * background running to every host program without asking: a refusal
 * cannot be had from it. test-background-portal checks refusals against
 * a portal written in that test.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "handset-background-portal.h"
#include "handset-test-util.h"

#define WAIT_S 30

static const char *const services[][2] = {
  { "org.freedesktop.portal.Desktop", "/usr/libexec/xdg-desktop-portal" },
  { "org.freedesktop.impl.portal.desktop.gnome", "/usr/libexec/xdg-desktop-portal-gnome" },
  { "org.freedesktop.impl.portal.desktop.gtk", "/usr/libexec/xdg-desktop-portal-gtk" },
  { "org.freedesktop.impl.portal.PermissionStore", "/usr/libexec/xdg-permission-store" },
};

/* xdg-desktop-portal 1.16 offers Background with a backend for it
 * (GNOME's) and one for Access (GTK's; GNOME Shell's in a real session). */
static const char *const portal_files[] = {
  "/usr/share/xdg-desktop-portal/portals/gnome.portal",
  "/usr/share/xdg-desktop-portal/portals/gtk.portal",
};

typedef struct
{
  char *dir;
  GTestDBus *bus;
  GDBusConnection *connection;
  HandsetBackgroundPortal *portal;
  GAsyncResult *result;
} Fixture;

static void
write_file (const char *dir, const char *name, const char *contents)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *service_dir = NULL;
  g_autofree char *portal_dir = NULL;

  f->dir = handset_test_isolate_home ();

  /* Only the portal, its backends and the permission store can be
   * activated: no keyring, no document portal, nothing else of the
   * machine's. */
  service_dir = g_build_filename (f->dir, "services", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (services); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.service", services[i][0]);
      g_autofree char *contents =
          g_strdup_printf ("[D-BUS Service]\nName=%s\nExec=%s\n", services[i][0], services[i][1]);

      write_file (service_dir, name, contents);
    }

  portal_dir = g_build_filename (f->dir, "portals", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (portal_files); i++)
    {
      g_autofree char *contents = NULL;
      g_autofree char *name = g_path_get_basename (portal_files[i]);

      g_file_get_contents (portal_files[i], &contents, NULL, &error);
      g_assert_no_error (error);
      write_file (portal_dir, name, contents);
    }
  g_setenv ("XDG_DESKTOP_PORTAL_DIR", portal_dir, TRUE);
  g_setenv ("XDG_CURRENT_DESKTOP", "GNOME", TRUE);

  f->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_add_service_dir (f->bus, service_dir);
  g_test_dbus_up (f->bus);
  f->connection =
      g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (f->bus),
                                              G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                              NULL, NULL, &error);
  g_assert_no_error (error);
  f->portal = handset_background_portal_new (f->connection);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->result);
  g_clear_object (&f->portal);
  g_dbus_connection_close_sync (f->connection, NULL, NULL);
  g_clear_object (&f->connection);
  /* The activated services end with their bus. */
  g_test_dbus_down (f->bus);
  g_clear_object (&f->bus);
  handset_test_remove_tree (f->dir);
  g_free (f->dir);
}

static void
request_done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Fixture *f = user_data;

  f->result = g_object_ref (result);
}

static gboolean
has_result (gpointer data)
{
  Fixture *f = data;

  return f->result != NULL;
}

static gboolean
request (Fixture *f, gboolean autostart, GError **error)
{
  const char *const commandline[] = { "handset", "--gapplication-service", NULL };

  g_clear_object (&f->result);
  handset_background_portal_request_async (f->portal, "", autostart, commandline, NULL,
                                           request_done_cb, f);
  /* The first request waits for the portal and its backend to start. */
  g_assert_true (handset_test_wait_until (has_result, f, WAIT_S));

  return handset_background_portal_request_finish (f->portal, f->result, error);
}

static void
test_real_portal_answers (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (request (f, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (handset_background_portal_get_allowed (f->portal));
  g_assert_true (handset_background_portal_get_autostart (f->portal));
  g_assert_null (handset_background_portal_get_message (f->portal));

  /* Autostart switched off: asked again, and the portal follows. */
  g_assert_true (request (f, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (handset_background_portal_get_allowed (f->portal));
  g_assert_false (handset_background_portal_get_autostart (f->portal));
  g_assert_null (handset_background_portal_get_message (f->portal));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (services); i++)
    if (!g_file_test (services[i][1], G_FILE_TEST_IS_EXECUTABLE))
      {
        g_printerr ("%s is not installed (build-aux/dev deps installs xdg-desktop-portal, "
                    "xdg-desktop-portal-gnome and xdg-desktop-portal-gtk)\n",
                    services[i][1]);
        return 1;
      }
  /* The GNOME backend is a GTK program: it needs a display to start. */
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_printerr ("no display: this test runs under Xvfb (build-aux/dev test)\n");
      return 1;
    }

  g_test_add ("/background-portal-xdp/answers", Fixture, NULL, fixture_set_up,
              test_real_portal_answers, fixture_tear_down);

  return g_test_run ();
}
