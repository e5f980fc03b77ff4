/* handset-dbus.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "handset-session.h"

G_BEGIN_DECLS

/* The D-Bus error of every method that could not do what it was asked;
 * its message is for people. */
#define HANDSET_DBUS_ERROR_FAILED "io.github.handset.Handset.Error.Failed"

#define HANDSET_TYPE_DBUS (handset_dbus_get_type ())
G_DECLARE_FINAL_TYPE (HandsetDBus, handset_dbus, HANDSET, DBUS, GObject)

HandsetDBus *
handset_dbus_new (GDBusConnection *connection, const char *base_path, HandsetSession *session);
const char *handset_dbus_get_manager_path (HandsetDBus *self);
void handset_dbus_unexport (HandsetDBus *self);

G_END_DECLS
