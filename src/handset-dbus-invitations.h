/* handset-dbus-invitations.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "handset-dbus-generated.h"
#include "handset-session.h"

G_BEGIN_DECLS

typedef struct _HandsetDBusInvitations HandsetDBusInvitations;

HandsetDBusInvitations *handset_dbus_invitations_new (GDBusConnection *connection,
                                                      const char *manager_path,
                                                      HandsetSession *session,
                                                      HandsetDBusCallManager *manager_skeleton);
void handset_dbus_invitations_free (HandsetDBusInvitations *self);

G_END_DECLS
