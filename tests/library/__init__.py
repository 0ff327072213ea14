"""Tests of the AMI library: the sans-IO protocol, the transport and the blocking client."""
