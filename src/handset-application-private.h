/* handset-application-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application's inside, shared by handset-application.c and the
 * files of its other jobs: -actions, -background, -calls, -cli, -links
 * and -trust.
 */
#pragma once

#include "handset-application.h"
#include "handset-background-portal.h"
#include "handset-dbus.h"
#include "handset-window.h"

G_BEGIN_DECLS

struct _HandsetApplication
{
  AdwApplication parent_instance;

  HandsetProfile *profile;
  GSettings *settings;
  HandsetAccount *account;
  HandsetMediaDevices *media_devices;
  HandsetSession *session;
  gboolean held;
  GPtrArray *handovers; /* GApplicationCommandLine of "take-session", until restored */
  /* The running session's calls end before a handed-over one is
   * restored: what that session's state does meanwhile answers nothing. */
  gboolean switching;
  GPtrArray *quit_commands; /* GApplicationCommandLine of "quit", until the calls are ended */
  HandsetDBus *dbus;
  HandsetBackgroundPortal *background_portal; /* inside Flatpak only */
  GCancellable *cancellable;
  int local_exit_status;
  gboolean recovery_offered; /* the dialog came up once after this login */
  gboolean ending;           /* hanging up before quitting or logging out */
  gboolean quit_pending;     /* a quit asked for while logging out */
  guint sigterm_source;
  guint sigint_source;
  guint sighup_source;
};

HandsetWindow *handset_application_main_window (HandsetApplication *self);
HandsetWindow *handset_application_ensure_window (HandsetApplication *self);
gboolean handset_application_cli_local_command_line (GApplication *application,
                                                     char ***arguments,
                                                     int *exit_status);
int handset_application_cli_command_line (GApplication *application,
                                          GApplicationCommandLine *command_line);
void handset_application_answer_handovers (HandsetApplication *self);
void handset_application_command_finished_cb (GApplicationCommandLine *command_line,
                                              int status,
                                              gpointer user_data);
void handset_application_stop_session (HandsetApplication *self);
void handset_application_restored_cb (GObject *object, GAsyncResult *result, gpointer user_data);

/* handset-application-actions.c */
void handset_application_add_actions (HandsetApplication *self);
gboolean handset_application_quit_signal_cb (gpointer user_data);
void handset_application_quit (HandsetApplication *self);

/* handset-application-background.c */
void handset_application_start_background_portal (HandsetApplication *self);
void handset_application_ask_background_portal (HandsetApplication *self);
void handset_application_update_background (HandsetApplication *self);
void handset_application_update_autostart (HandsetApplication *self);

/* handset-application-calls.c */
void handset_application_watch_calls (HandsetApplication *self);

/* handset-application-trust.c */
void handset_application_watch_trust (HandsetApplication *self);
void handset_application_show_recovery_dialog (HandsetApplication *self);

/* handset-application-links.c */
void handset_application_open_links (GApplication *application,
                                     GFile **files,
                                     int n_files,
                                     const char *hint);

G_END_DECLS
