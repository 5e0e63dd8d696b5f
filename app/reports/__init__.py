"""The RTE's reports over HTTP: loader -> metrics -> cached JSON/CSV/charts."""
