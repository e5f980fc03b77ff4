/* handset-cli.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "handset-session.h"

G_BEGIN_DECLS

void handset_cli_prompt_recovery_key (void);
const char *handset_cli_commands_text (void);
int handset_cli_check (const char *const *command);
int handset_cli_check_instance (const char *profile_name);
gboolean handset_cli_is_link (const char *word);
gboolean handset_cli_needs_instance (const char *command);
int handset_cli_login (const char *profile_name, const char *homeserver, const char *user);
/**
 * HandsetCliStatusFunc:
 *
 * A command that finishes after handset_cli_run() returned (-1) says its
 * exit status through this.
 */
typedef void (*HandsetCliStatusFunc) (GApplicationCommandLine *command_line,
                                      int status,
                                      gpointer user_data);

int handset_cli_run (HandsetSession *session,
                     GApplicationCommandLine *command_line,
                     const char *const *args,
                     HandsetCliStatusFunc finished,
                     gpointer finished_data);
char *handset_cli_call_json (HandsetSession *session, HandsetCall *call);

G_END_DECLS
