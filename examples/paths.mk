# Included by every workflow Makefile after its variables, with PATH_VARS
# naming the variables that hold paths.
#
# A path given on the command line (or in the environment) is relative to the
# folder make was started in, not to the workflow's: `make -C examples/oracle
# MEETINGS=my_calendar.json` reads ./my_calendar.json. PWD is the caller's
# folder (make -C does not change it); defaults stay relative to the workflow.
# Then the synthkit binaries in BIN come first on PATH.

CALLER := $(or $(wildcard $(PWD)),$(CURDIR))
from_caller = $(if $(filter command line environment,$(origin $1)),$(if $(filter /%,$($1)),$($1),$(CALLER)/$($1)),$($1))
$(foreach var,$(PATH_VARS),$(eval override $(var) := $(call from_caller,$(var))))
export PATH := $(abspath $(BIN)):$(PATH)
