/* test-profile.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "handset-profile.h"

static void
test_default (void)
{
  g_autoptr (HandsetProfile) profile = NULL;
  g_autoptr (HandsetProfile) named = NULL;
  g_autoptr (GError) error = NULL;

  profile = handset_profile_new (NULL, &error);
  g_assert_no_error (error);
  g_assert_true (handset_profile_is_default (profile));
  g_assert_cmpstr (handset_profile_get_name (profile), ==, "default");
  g_assert_cmpstr (handset_profile_get_application_id (profile), ==, "io.github.handset.Handset");
  g_assert_cmpstr (handset_profile_get_settings_path (profile), ==, "/io/github/handset/Handset/");
  g_assert_true (g_str_has_prefix (handset_profile_get_data_dir (profile), g_get_user_data_dir ()));
  g_assert_true (
      g_str_has_prefix (handset_profile_get_cache_dir (profile), g_get_user_cache_dir ()));

  /* "default" by name is the same profile. */
  named = handset_profile_new ("default", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (handset_profile_get_application_id (named), ==,
                   handset_profile_get_application_id (profile));
  g_assert_cmpstr (handset_profile_get_data_dir (named), ==,
                   handset_profile_get_data_dir (profile));
}

static void
test_two_profiles_apart (void)
{
  g_autoptr (HandsetProfile) alice = handset_profile_new ("alice", NULL);
  g_autoptr (HandsetProfile) bob = handset_profile_new ("bob", NULL);
  g_autoptr (HandsetProfile) def = handset_profile_new (NULL, NULL);
  HandsetProfile *all[] = { alice, bob, def };

  g_assert_false (handset_profile_is_default (alice));
  g_assert_cmpstr (handset_profile_get_application_id (alice), ==,
                   "io.github.handset.Handset.Profile_alice");
  g_assert_true (g_application_id_is_valid (handset_profile_get_application_id (alice)));
  g_assert_cmpstr (handset_profile_get_settings_path (alice), ==,
                   "/io/github/handset/Handset/profiles/alice/");
  g_assert_cmpstr (handset_profile_get_secret_namespace (alice), ==, "alice");

  /* Nothing is shared between any two profiles. */
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    for (guint j = i + 1; j < G_N_ELEMENTS (all); j++)
      {
        g_assert_cmpstr (handset_profile_get_application_id (all[i]), !=,
                         handset_profile_get_application_id (all[j]));
        g_assert_cmpstr (handset_profile_get_settings_path (all[i]), !=,
                         handset_profile_get_settings_path (all[j]));
        g_assert_cmpstr (handset_profile_get_data_dir (all[i]), !=,
                         handset_profile_get_data_dir (all[j]));
        g_assert_cmpstr (handset_profile_get_config_dir (all[i]), !=,
                         handset_profile_get_config_dir (all[j]));
        g_assert_cmpstr (handset_profile_get_cache_dir (all[i]), !=,
                         handset_profile_get_cache_dir (all[j]));
        g_assert_cmpstr (handset_profile_get_secret_namespace (all[i]), !=,
                         handset_profile_get_secret_namespace (all[j]));
        /* Neither directory lies inside the other's. */
        g_assert_false (g_str_has_prefix (handset_profile_get_data_dir (all[i]),
                                          handset_profile_get_data_dir (all[j])) &&
                        g_str_has_prefix (handset_profile_get_data_dir (all[j]),
                                          handset_profile_get_data_dir (all[i])));
      }
}

static void
test_invalid_names (void)
{
  const char *bad[] = { "",    "1abc",  "a-b",
                        "a.b", "a/b",   "../x",
                        "a b", "émile", "abcdefghijklmnopqrstuvwxyz0123456",
                        NULL };
  const char *good[] = { "a", "alice", "Bob_2", "abcdefghijklmnopqrstuvwxyz012345", NULL };

  for (guint i = 0; bad[i]; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (HandsetProfile) profile = handset_profile_new (bad[i], &error);

      g_assert_null (profile);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_false (handset_profile_name_is_valid (bad[i]));
    }

  for (guint i = 0; good[i]; i++)
    {
      g_autoptr (HandsetProfile) profile = handset_profile_new (good[i], NULL);

      g_assert_nonnull (profile);
      g_assert_true (g_application_id_is_valid (handset_profile_get_application_id (profile)));
    }
}

static void
test_ensure_dirs (void)
{
  g_autoptr (HandsetProfile) profile = handset_profile_new ("dirs", NULL);
  g_autoptr (GError) error = NULL;
  GStatBuf st;

  g_assert_true (handset_profile_ensure_dirs (profile, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (handset_profile_get_data_dir (profile), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_true (g_file_test (handset_profile_get_config_dir (profile), G_FILE_TEST_IS_DIR));

  /* Folders an older version made open to everyone are closed. */
  g_assert_cmpint (g_chmod (handset_profile_get_data_dir (profile), 0755), ==, 0);
  g_assert_cmpint (g_chmod (handset_profile_get_config_dir (profile), 0755), ==, 0);
  g_assert_true (handset_profile_ensure_dirs (profile, &error));
  g_assert_cmpint (g_stat (handset_profile_get_data_dir (profile), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (handset_profile_get_config_dir (profile), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
}

int
main (int argc, char *argv[])
{
  /* Isolated home directories, so the test never touches a real profile. */
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/profile/default", test_default);
  g_test_add_func ("/profile/two-profiles-apart", test_two_profiles_apart);
  g_test_add_func ("/profile/invalid-names", test_invalid_names);
  g_test_add_func ("/profile/ensure-dirs", test_ensure_dirs);

  return g_test_run ();
}
