/* capture-portals-fixture.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the capture portal tests (test-capture-portals-*.c) share: a real
 * PipeWire daemon of the test's own with a video source node for the
 * camera or the screen, the fake Camera and ScreenCast portal on a
 * private session bus, and frames read from an element as a session
 * manager would link it.
 */
#pragma once

#include <gst/gst.h>

#include "handset-fake-capture-portal.h"
#include "handset-test-pipewire.h"
#include "handset-test-util.h"

G_BEGIN_DECLS

#define WAIT_S 30

/* The private session bus the portal is on. */
extern GTestDBus *portal_bus;

typedef struct
{
  HandsetTestPipewire pipewire;
  HandsetFakeCapturePortal portal;
  GAsyncResult *result;
} Fixture;

/* @data: the name of the node to start in the daemon ("test-camera" or
 * "test-screen"), or %NULL for no daemon. */
void fixture_set_up (Fixture *f, gconstpointer data);
void fixture_tear_down (Fixture *f, gconstpointer data);
GAsyncResult *wait_for_result (Fixture *f);
GstCaps *read_frames (Fixture *f, GstElement *source, const char *node);
void assert_size (GstCaps *caps, int width, int height);

void capture_portals_test_init (int *argc, char ***argv);
int capture_portals_test_run (void);

G_END_DECLS
