"""The library's words for counts, shared by the console and the demo PBX's CLI output."""


def test_plural_says_one_row_and_two_rows():
    from ami_console.printable import plural

    assert [plural(1, "row"), plural(2, "row"), plural(0, "priority", "priorities")] == [
        "1 row",
        "2 rows",
        "0 priorities",
    ]
