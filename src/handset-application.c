/* handset-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-application.h"
#include "handset-window.h"

struct _HandsetApplication
{
  AdwApplication parent_instance;

  HandsetProfile *profile;
  GSettings *settings;
};

G_DEFINE_FINAL_TYPE (HandsetApplication, handset_application, ADW_TYPE_APPLICATION)

static const GOptionEntry main_entries[] = {
  { "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL, N_ ("Show the version and exit"),
    NULL },
  { "profile", 'p', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
    N_ ("Use a separate profile: its own account, settings and data"), N_ ("NAME") },
  { NULL }
};

static GSettings *
settings_for_profile (HandsetProfile *profile)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, HANDSET_APP_ID, TRUE);

  if (schema == NULL)
    {
      /* Without its schema, Handset still runs; it forgets its settings. */
      g_warning ("The settings schema %s is not installed; settings will not be kept",
                 HANDSET_APP_ID);
      return NULL;
    }

  return g_settings_new_full (schema, NULL, handset_profile_get_settings_path (profile));
}

static int
handset_application_handle_local_options (GApplication *application, GVariantDict *options)
{
  HandsetApplication *self = HANDSET_APPLICATION (application);
  g_autoptr (GError) error = NULL;
  const char *profile_name = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("handset %s\n", PACKAGE_VERSION);
      return 0;
    }

  g_variant_dict_lookup (options, "profile", "&s", &profile_name);

  /* The profile decides the application ID, so it is settled here, before
   * the application registers on the session bus. */
  self->profile = handset_profile_new (profile_name, &error);
  if (self->profile == NULL)
    {
      g_printerr ("handset: %s\n", error->message);
      return 2;
    }

  g_application_set_application_id (application,
                                    handset_profile_get_application_id (self->profile));

  return G_APPLICATION_CLASS (handset_application_parent_class)
      ->handle_local_options (application, options);
}

static void
handset_application_startup (GApplication *application)
{
  HandsetApplication *self = HANDSET_APPLICATION (application);
  g_autoptr (GError) error = NULL;

  G_APPLICATION_CLASS (handset_application_parent_class)->startup (application);

  if (!handset_profile_ensure_dirs (self->profile, &error))
    g_warning ("%s", error->message);

  self->settings = settings_for_profile (self->profile);
}

static void
handset_application_activate (GApplication *application)
{
  HandsetApplication *self = HANDSET_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));

  if (window == NULL)
    {
      const char *subtitle = NULL;

      if (!handset_profile_is_default (self->profile))
        subtitle = handset_profile_get_name (self->profile);

      window = GTK_WINDOW (handset_window_new (ADW_APPLICATION (application), subtitle));
      if (self->settings != NULL)
        {
          g_settings_bind (self->settings, "window-width", window, "default-width",
                           G_SETTINGS_BIND_DEFAULT);
          g_settings_bind (self->settings, "window-height", window, "default-height",
                           G_SETTINGS_BIND_DEFAULT);
          g_settings_bind (self->settings, "window-maximized", window, "maximized",
                           G_SETTINGS_BIND_DEFAULT);
        }
    }

  gtk_window_present (window);
}

static void
handset_application_dispose (GObject *object)
{
  HandsetApplication *self = HANDSET_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (handset_application_parent_class)->dispose (object);
}

static void
handset_application_class_init (HandsetApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = handset_application_dispose;

  app_class->handle_local_options = handset_application_handle_local_options;
  app_class->startup = handset_application_startup;
  app_class->activate = handset_application_activate;
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *application = GTK_APPLICATION (user_data);
  const char *developers[] = { "The Handset developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (application), "application-name",
                         _ ("Handset"), "application-icon", HANDSET_APP_ID, "version",
                         PACKAGE_VERSION, "developers", developers, "license-type",
                         GTK_LICENSE_GPL_3_0, "website", "https://github.com/handset/handset",
                         "issue-url", "https://github.com/handset/handset/issues", NULL);
}

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { .name = "about", .activate = about_activated },
  { .name = "quit", .activate = quit_activated },
};

static void
handset_application_init (HandsetApplication *self)
{
  const char *quit_accels[] = { "<Control>q", NULL };

  g_application_add_main_option_entries (G_APPLICATION (self), main_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _ ("Voice and video calls over Matrix"));

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
}

HandsetApplication *
handset_application_new (void)
{
  return g_object_new (HANDSET_TYPE_APPLICATION, "application-id", HANDSET_APP_ID,
                       "resource-base-path", HANDSET_APP_PATH, "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

HandsetProfile *
handset_application_get_profile (HandsetApplication *self)
{
  g_return_val_if_fail (HANDSET_IS_APPLICATION (self), NULL);

  return self->profile;
}

/**
 * handset_application_get_settings:
 *
 * Returns: (transfer none) (nullable): the profile's settings, or %NULL
 *   when the schema is not installed
 */
GSettings *
handset_application_get_settings (HandsetApplication *self)
{
  g_return_val_if_fail (HANDSET_IS_APPLICATION (self), NULL);

  return self->settings;
}
