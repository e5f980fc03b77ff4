/* handset-notification.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Notifications whose text names someone, who chose that name: it is
 * shown as written. GNotification hands the body to one of three
 * backends (GLib picks as below): the portal's and GNOME Shell's take it
 * as plain text, but a freedesktop notification server that says
 * "body-markup" reads it as markup, where a name like
 * `<img src="https://…">` would fetch an image. There the body is
 * escaped.
 */

#include "config.h"

#include "handset-notification.h"

/**
 * handset_notification_body_is_markup:
 * @backend: "portal", "gtk" or "freedesktop", as GLib names its backends
 * @capabilities: (nullable): what the freedesktop server says it can do;
 *   %NULL when it could not be asked
 *
 * Returns: whether a notification's body is read as markup
 */
gboolean
handset_notification_body_is_markup (const char *backend, const char *const *capabilities)
{
  if (g_strcmp0 (backend, "portal") == 0 || g_strcmp0 (backend, "gtk") == 0)
    return FALSE;
  /* A server that did not answer may read markup: escaped to be safe. */
  if (capabilities == NULL)
    return TRUE;
  return g_strv_contains (capabilities, "body-markup");
}

static gboolean
name_has_owner (GDBusConnection *bus, const char *name)
{
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
      bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
      g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 1000, NULL,
      NULL);
  gboolean owned = FALSE;

  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

/* The backend GLib uses: the one GNOTIFICATION_BACKEND names, the portal
 * in a sandbox, GNOME Shell's own where it runs, else freedesktop. */
static const char *
current_backend (GDBusConnection *bus)
{
  const char *forced = g_getenv ("GNOTIFICATION_BACKEND");

  if (forced != NULL && *forced != '\0')
    return forced;
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS) ||
      g_strcmp0 (g_getenv ("GTK_USE_PORTAL"), "1") == 0)
    return "portal";
  if (bus != NULL && name_has_owner (bus, "org.gtk.Notifications"))
    return "gtk";
  return "freedesktop";
}

static char **
server_capabilities (GDBusConnection *bus)
{
  g_autoptr (GVariant) reply = NULL;
  char **capabilities = NULL;

  if (bus == NULL)
    return NULL;
  reply = g_dbus_connection_call_sync (
      bus, "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
      "org.freedesktop.Notifications", "GetCapabilities", NULL, G_VARIANT_TYPE ("(as)"),
      G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(^as)", &capabilities);
  return capabilities;
}

/**
 * handset_notification_new:
 * @body: (nullable): plain text, perhaps with others' names in it
 *
 * Returns: (transfer full): a notification that shows @title and @body as
 *   written, whichever server shows it
 */
GNotification *
handset_notification_new (const char *title, const char *body)
{
  /* Asked of the session bus once per process: not again for each call. */
  static gsize asked = 0;
  static gboolean markup = TRUE;
  GNotification *notification = g_notification_new (title);

  if (body == NULL)
    return notification;

  if (g_once_init_enter (&asked))
    {
      g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
      const char *backend = current_backend (bus);
      g_auto (GStrv) capabilities = NULL;

      if (g_strcmp0 (backend, "freedesktop") == 0)
        capabilities = server_capabilities (bus);
      markup = handset_notification_body_is_markup (backend, (const char *const *) capabilities);
      g_once_init_leave (&asked, 1);
    }
  if (markup)
    {
      g_autofree char *escaped = g_markup_escape_text (body, -1);

      g_notification_set_body (notification, escaped);
    }
  else
    g_notification_set_body (notification, body);

  return notification;
}
