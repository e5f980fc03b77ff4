/* handset-cli-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the command line's files share: handset-cli.c (the commands sent to
 * the running instance) and handset-cli-login.c (`login`).
 */
#pragma once

#include "handset-cli.h"

G_BEGIN_DECLS

gboolean handset_cli_instance_runs (const char *application_id);

G_END_DECLS
