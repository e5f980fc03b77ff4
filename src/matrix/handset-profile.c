/* handset-profile.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A profile is one independent identity of Handset on a desktop: its own
 * application ID (so two profiles run side by side as separate unique
 * applications), its own GSettings path, its own data and configuration
 * directories and its own namespace in the Secret Service.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "handset-profile.h"

/* Profile names become a D-Bus name element and a GSettings path element:
 * both accept [A-Za-z0-9_], and neither may start with a digit. */
#define PROFILE_NAME_MAX 32

struct _HandsetProfile
{
  GObject parent_instance;

  char *name;
  char *application_id;
  char *settings_path;
  char *data_dir;
  char *config_dir;
  char *cache_dir;
};

G_DEFINE_FINAL_TYPE (HandsetProfile, handset_profile, G_TYPE_OBJECT)

static void
handset_profile_finalize (GObject *object)
{
  HandsetProfile *self = HANDSET_PROFILE (object);

  g_free (self->name);
  g_free (self->application_id);
  g_free (self->settings_path);
  g_free (self->data_dir);
  g_free (self->config_dir);
  g_free (self->cache_dir);

  G_OBJECT_CLASS (handset_profile_parent_class)->finalize (object);
}

static void
handset_profile_class_init (HandsetProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = handset_profile_finalize;
}

static void
handset_profile_init (HandsetProfile *self)
{
}

gboolean
handset_profile_name_is_valid (const char *name)
{
  gsize len;

  if (name == NULL)
    return FALSE;

  len = strlen (name);
  if (len == 0 || len > PROFILE_NAME_MAX)
    return FALSE;

  if (!g_ascii_isalpha (name[0]))
    return FALSE;

  for (const char *p = name; *p; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '_')
        return FALSE;
    }

  return TRUE;
}

/**
 * handset_profile_new:
 * @name: (nullable): the profile's name, or %NULL for the default profile
 * @error: a location for an error
 *
 * Returns: (transfer full): the profile, or %NULL when @name is not a valid
 *   profile name
 */
HandsetProfile *
handset_profile_new (const char *name, GError **error)
{
  HandsetProfile *self;
  gboolean is_default;

  if (name == NULL)
    name = HANDSET_PROFILE_DEFAULT;

  if (!handset_profile_name_is_valid (name))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a valid profile name: use up to %d letters, "
                   "digits and underscores, starting with a letter",
                   name, PROFILE_NAME_MAX);
      return NULL;
    }

  is_default = g_str_equal (name, HANDSET_PROFILE_DEFAULT);

  self = g_object_new (HANDSET_TYPE_PROFILE, NULL);
  self->name = g_strdup (name);

  if (is_default)
    {
      self->application_id = g_strdup (HANDSET_APP_ID);
      self->settings_path = g_strdup (HANDSET_APP_PATH "/");
      self->data_dir = g_build_filename (g_get_user_data_dir (), "handset", NULL);
      self->config_dir = g_build_filename (g_get_user_config_dir (), "handset", NULL);
      self->cache_dir = g_build_filename (g_get_user_cache_dir (), "handset", NULL);
    }
  else
    {
      self->application_id = g_strdup_printf ("%s.Profile_%s", HANDSET_APP_ID, name);
      self->settings_path = g_strdup_printf ("%s/profiles/%s/", HANDSET_APP_PATH, name);
      self->data_dir = g_build_filename (g_get_user_data_dir (), "handset", "profiles", name, NULL);
      self->config_dir =
          g_build_filename (g_get_user_config_dir (), "handset", "profiles", name, NULL);
      self->cache_dir =
          g_build_filename (g_get_user_cache_dir (), "handset", "profiles", name, NULL);
    }

  return self;
}

const char *
handset_profile_get_name (HandsetProfile *self)
{
  g_return_val_if_fail (HANDSET_IS_PROFILE (self), NULL);

  return self->name;
}

gboolean
handset_profile_is_default (HandsetProfile *self)
{
  g_return_val_if_fail (HANDSET_IS_PROFILE (self), FALSE);

  return g_str_equal (self->name, HANDSET_PROFILE_DEFAULT);
}

const char *
handset_profile_get_application_id (HandsetProfile *self)
{
  g_return_val_if_fail (HANDSET_IS_PROFILE (self), NULL);

  return self->application_id;
}

/**
 * handset_profile_get_settings_path:
 *
 * Returns: the path of this profile's settings, for the relocatable schema
 *   `io.github.handset.Handset`
 */
const char *
handset_profile_get_settings_path (HandsetProfile *self)
{
  g_return_val_if_fail (HANDSET_IS_PROFILE (self), NULL);

  return self->settings_path;
}

const char *
handset_profile_get_data_dir (HandsetProfile *self)
{
  g_return_val_if_fail (HANDSET_IS_PROFILE (self), NULL);

  return self->data_dir;
}

const char *
handset_profile_get_config_dir (HandsetProfile *self)
{
  g_return_val_if_fail (HANDSET_IS_PROFILE (self), NULL);

  return self->config_dir;
}

/**
 * handset_profile_get_cache_dir:
 *
 * Returns: where this profile keeps what it can fetch again, such as
 *   avatar images; nothing in it is needed or secret
 */
const char *
handset_profile_get_cache_dir (HandsetProfile *self)
{
  g_return_val_if_fail (HANDSET_IS_PROFILE (self), NULL);

  return self->cache_dir;
}

/**
 * handset_profile_get_secret_namespace:
 *
 * Returns: the value of the `profile` attribute of this profile's items in
 *   the Secret Service
 */
const char *
handset_profile_get_secret_namespace (HandsetProfile *self)
{
  g_return_val_if_fail (HANDSET_IS_PROFILE (self), NULL);

  return self->name;
}

/**
 * handset_profile_ensure_dirs:
 *
 * Creates the profile's data and configuration directories, readable by
 * their owner only.
 */
gboolean
handset_profile_ensure_dirs (HandsetProfile *self, GError **error)
{
  const char *dirs[] = { self->data_dir, self->config_dir };

  g_return_val_if_fail (HANDSET_IS_PROFILE (self), FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      /* Only its owner reads it; a folder an older version made with
       * the default mode is closed too. */
      if (g_mkdir_with_parents (dirs[i], 0700) != 0 || g_chmod (dirs[i], 0700) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "Could not create the folder %s: %s", dirs[i], g_strerror (saved_errno));
          return FALSE;
        }
    }

  return TRUE;
}
