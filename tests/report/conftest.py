from tests.doctor.conftest import broken_run  # noqa: F401 - one doctor run for both packages
