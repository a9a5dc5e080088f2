-- +goose Up
-- Suzhou (GB/T 2260 codes): the city level and its ten districts and
-- county-level cities.
INSERT INTO districts (code, name) VALUES
    ('320500', '苏州市本级'),
    ('320508', '姑苏区'),
    ('320505', '虎丘区'),
    ('320506', '吴中区'),
    ('320507', '相城区'),
    ('320509', '吴江区'),
    ('320571', '苏州工业园区'),
    ('320581', '常熟市'),
    ('320582', '张家港市'),
    ('320583', '昆山市'),
    ('320585', '太仓市');

-- +goose Down
DELETE FROM districts WHERE code IN
    ('320500', '320508', '320505', '320506', '320507', '320509', '320571', '320581', '320582', '320583', '320585');
