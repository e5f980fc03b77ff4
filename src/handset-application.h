/* handset-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "handset-account.h"
#include "handset-profile.h"
#include "handset-session.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_APPLICATION (handset_application_get_type ())
G_DECLARE_FINAL_TYPE (HandsetApplication, handset_application, HANDSET, APPLICATION, AdwApplication)

HandsetApplication *handset_application_new (void);
HandsetApplication *handset_application_new_for_profile (const char *profile_name);
HandsetProfile *handset_application_get_profile (HandsetApplication *self);
GSettings *handset_application_get_settings (HandsetApplication *self);
HandsetAccount *handset_application_get_account (HandsetApplication *self);
void handset_application_set_command_status (HandsetApplication *self,
                                             GApplicationCommandLine *command_line,
                                             int status);
int handset_application_get_local_exit_status (HandsetApplication *self);
HandsetSession *handset_application_get_session (HandsetApplication *self);

G_END_DECLS
