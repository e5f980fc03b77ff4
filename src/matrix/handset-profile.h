/* handset-profile.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HANDSET_TYPE_PROFILE (handset_profile_get_type ())
G_DECLARE_FINAL_TYPE (HandsetProfile, handset_profile, HANDSET, PROFILE, GObject)

#define HANDSET_PROFILE_DEFAULT "default"

HandsetProfile *handset_profile_new (const char *name, GError **error);

gboolean handset_profile_name_is_valid (const char *name);

const char *handset_profile_get_name (HandsetProfile *self);
gboolean handset_profile_is_default (HandsetProfile *self);
const char *handset_profile_get_application_id (HandsetProfile *self);
const char *handset_profile_get_settings_path (HandsetProfile *self);
const char *handset_profile_get_data_dir (HandsetProfile *self);
const char *handset_profile_get_config_dir (HandsetProfile *self);
const char *handset_profile_get_cache_dir (HandsetProfile *self);
const char *handset_profile_get_secret_namespace (HandsetProfile *self);

gboolean handset_profile_ensure_dirs (HandsetProfile *self, GError **error);

G_END_DECLS
