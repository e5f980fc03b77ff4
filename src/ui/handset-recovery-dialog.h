/* handset-recovery-dialog.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "handset-recovery.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_RECOVERY_DIALOG (handset_recovery_dialog_get_type ())
G_DECLARE_FINAL_TYPE (HandsetRecoveryDialog,
                      handset_recovery_dialog,
                      HANDSET,
                      RECOVERY_DIALOG,
                      AdwWindow)

GtkWidget *handset_recovery_dialog_new (GtkWindow *parent, HandsetRecovery *recovery);

/* What the dialog shows, and its controls, for tests and accessibility
 * checks: */
const char *handset_recovery_dialog_get_page (HandsetRecoveryDialog *self);
const char *handset_recovery_dialog_get_error (HandsetRecoveryDialog *self);
const char *handset_recovery_dialog_get_recovery_key (HandsetRecoveryDialog *self);
void handset_recovery_dialog_enter (HandsetRecoveryDialog *self, const char *text);
void handset_recovery_dialog_confirm_saved (HandsetRecoveryDialog *self);
gboolean handset_recovery_dialog_get_can_finish (HandsetRecoveryDialog *self);
void handset_recovery_dialog_finish (HandsetRecoveryDialog *self);

G_END_DECLS
