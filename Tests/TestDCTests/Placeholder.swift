// Tests for this module live here.
import XCTest
